import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { startBridge, type RunningBridge } from '../src/bridge.js';
import { loadConfig } from '../src/config/load.js';
import { sign } from '../test/support/harness.js';
import { slackTs } from '../test/support/fake-slack.js';
import { percentile } from './machine.js';

/** The fakes run in a child process; this talks to them over IPC. */
class Fakes {
  private next = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; body: unknown }) => this.waiting.get(m.id)?.(m.body));
  }
  static async start(): Promise<Fakes> {
    const child = fork(fileURLToPath(new URL('./fakes-child.ts', import.meta.url)), [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const fakes = new Fakes(child);
    await new Promise<void>((resolve) => fakes.waiting.set(0, () => resolve()));
    return fakes;
  }
  call<T>(type: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, (v) => resolve(v as T));
      this.child.send({ id, type, ...extra });
    });
  }
}

interface Stats {
  firstText: Record<string, number>;
  final: Record<string, { exact: boolean; at: number }>;
  calls: Record<string, number>;
  rateLimited: number;
}

const silent = pino({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() }));
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

async function bridgeFor(urls: { slack: string; dify: string; token: string; difyKey: string }, env: Record<string, string> = {}): Promise<RunningBridge> {
  const r = loadConfig({
    SLACK_BOT_TOKEN: urls.token,
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    SLACK_API_URL: urls.slack,
    DIFY_API_URL: urls.dify,
    DIFY_API_KEY: urls.difyKey,
    STORE_URL: 'memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    STREAM_MODE: 'edit',
    SLACK_EDITS_PER_MINUTE: '100000',
    ...env,
  });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return startBridge(r.config, silent);
}

/** Sends a signed app_mention; resolves with the time the event was sent. */
async function mention(bridge: RunningBridge, text: string): Promise<number> {
  const ts = slackTs();
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    api_app_id: 'A1',
    event_id: `Ev${ts.replace('.', '')}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', user: 'UALICE', text: `<@UBOT> ${text}`, ts, channel: 'C1', event_ts: ts, team: 'T1' },
  });
  const sent = Date.now();
  const res = await request(`http://127.0.0.1:${bridge.port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sign(body) },
    body,
    dispatcher: agent,
  });
  await res.body.dump();
  return sent;
}

async function settle(bridge: RunningBridge): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  await bridge.idle();
}

const round = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

export interface ChatBenchResult {
  latency: { answers: number; addedP50Ms: number; addedP99Ms: number; toFirstTextP50Ms: number; baselineToFirstTextP50Ms: number; ratio: number };
  cost: Array<{ tokensPerSecond: number; answers: number; callsPerAnswer: number; callsPer1000Tokens: number; cpuMsPer1000Tokens: number }>;
  ingest: { acksPerSecond: number; p50Ms: number; p99Ms: number };
  scale: Array<{ concurrent: number; rssMiB: number; eventLoopDelayP99Ms: number; allExact: boolean; seconds: number }>;
  fairness: { answers: number; rateLimited: number; secondsUntilAllFinal: number; allExact: boolean; editsPerMinuteLimit: number };
}

export async function benchChat(): Promise<ChatBenchResult> {
  const fakes = await Fakes.start();
  const urls = await fakes.call<{ slack: string; dify: string; token: string; difyKey: string }>('urls');
  let bridge = await bridgeFor(urls);
  try {
    // 1. Latency to first visible text, against a naive blocking bridge.
    await fakes.call('script', { script: { tokensPerSecond: 100, tokens: 200 } });
    await fakes.call('reset');
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => mention(bridge, `q${batch}-${i}`)));
      await settle(bridge);
    }
    const s1 = await fakes.call<Stats>('stats');
    // Added latency: Dify's first answer byte leaving the fake → the Slack call that shows it.
    const added = Object.values(s1.firstText);
    // What a person waits: the question → the first visible text, ours against the naive design.
    const ours = await timeToFirstText(fakes, bridge, 15);
    const baseline = await baselineToFirstText(urls, fakes, 15);
    const sortedAdded = [...added].sort((a, b) => a - b);

    // 2. Slack API calls and CPU per answer at three Dify speeds.
    const cost: ChatBenchResult['cost'] = [];
    for (const tps of [20, 100, 500]) {
      await fakes.call('script', { script: { tokensPerSecond: tps, tokens: 200 } });
      await fakes.call('reset');
      const cpu = process.cpuUsage();
      await Promise.all(Array.from({ length: 10 }, (_, i) => mention(bridge, `c${tps}-${i}`)));
      await settle(bridge);
      const used = process.cpuUsage(cpu);
      const s = await fakes.call<Stats>('stats');
      const slackCalls = (s.calls['chat.postMessage'] ?? 0) + (s.calls['chat.update'] ?? 0);
      cost.push({
        tokensPerSecond: tps,
        answers: 10,
        callsPerAnswer: round(slackCalls / 10),
        callsPer1000Tokens: round((slackCalls / (10 * 200)) * 1000),
        cpuMsPer1000Tokens: round(((used.user + used.system) / 1000 / (10 * 200)) * 1000),
      });
    }

    // 3. Ingest: signed deliveries the bridge acknowledges per second (messages it ignores).
    const ingest = await ingestRate(bridge, 10_000, 32);

    // 4. Scale: memory and event-loop delay with many answers streaming at once.
    const scale: ChatBenchResult['scale'] = [];
    for (const n of [100, 500, 1000]) {
      await fakes.call('script', { script: { tokensPerSecond: 20, tokens: 100 } });
      await fakes.call('reset');
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      let rss = 0;
      const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 200);
      const started = Date.now();
      await Promise.all(Array.from({ length: n }, (_, i) => mention(bridge, `s${n}-${i}`)));
      await settle(bridge);
      clearInterval(sampler);
      delay.disable();
      const s = await fakes.call<Stats>('stats');
      const finals = Object.values(s.final);
      scale.push({
        concurrent: n,
        rssMiB: Math.round(rss / 2 ** 20),
        eventLoopDelayP99Ms: round(delay.percentile(99) / 1e6),
        allExact: finals.length === n && finals.every((f) => f.exact),
        seconds: round((Date.now() - started) / 1000),
      });
    }

    // 5. Fairness under Slack's limit: 100 answers, a Slack that allows 50 chat.update a minute.
    await bridge.stop();
    bridge = await bridgeFor(urls, { SLACK_EDITS_PER_MINUTE: '50' });
    await fakes.call('script', { script: { tokensPerSecond: 50, tokens: 100 }, updateLimitPerMinute: 50 });
    await fakes.call('reset');
    const started = Date.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) => mention(bridge, `f${i}`)));
    await settle(bridge);
    const s5 = await fakes.call<Stats>('stats');
    const finals = Object.values(s5.final);
    const fairness = {
      answers: 100,
      rateLimited: s5.rateLimited,
      secondsUntilAllFinal: round((Math.max(...finals.map((f) => f.at)) - started) / 1000),
      allExact: finals.length === 100 && finals.every((f) => f.exact),
      editsPerMinuteLimit: 50,
    };

    return {
      latency: {
        answers: added.length,
        addedP50Ms: round(percentile(sortedAdded, 50)),
        addedP99Ms: round(percentile(sortedAdded, 99)),
        toFirstTextP50Ms: round(median(ours)),
        baselineToFirstTextP50Ms: round(median(baseline)),
        ratio: Number((median(ours) / median(baseline)).toPrecision(2)),
      },
      cost,
      ingest,
      scale,
      fairness,
    };
  } finally {
    await bridge.stop().catch(() => undefined);
    await fakes.call('close');
    await agent.close();
  }
}

/** Ours: event sent → the first Slack call showing the answer's start (a post at the first token). */
async function timeToFirstText(fakes: Fakes, bridge: RunningBridge, n: number): Promise<number[]> {
  await fakes.call('script', { script: { tokensPerSecond: 100, tokens: 200 } });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await fakes.call('reset');
    const sent = await mention(bridge, `t${i}`);
    await settle(bridge);
    const s = await fakes.call<Stats>('stats');
    const added = s.firstText[`t${i}`];
    const firstByte = await fakes.call<number>('firstByteAt', { q: `t${i}` });
    if (added !== undefined && typeof firstByte === 'number') out.push(firstByte + added - sent);
  }
  return out;
}

/**
 * The naive design most bridges use: one blocking Dify call, then one chat.postMessage. Time
 * from the request to that post, with the same fake Dify speed.
 */
async function baselineToFirstText(urls: { slack: string; dify: string; token: string; difyKey: string }, fakes: Fakes, n: number): Promise<number[]> {
  await fakes.call('script', { script: { tokensPerSecond: 100, tokens: 200 } });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = Date.now();
    const res = await request(`${urls.dify}/chat-messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${urls.difyKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `b${i}`, inputs: {}, user: 'baseline', response_mode: 'blocking' }),
      dispatcher: agent,
    });
    const answer = ((await res.body.json()) as { answer: string }).answer;
    const post = await request(`${urls.slack}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${urls.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'C1', thread_ts: '1.1', markdown_text: answer }).toString(),
      dispatcher: agent,
    });
    await post.body.dump();
    out.push(Date.now() - started);
  }
  return out;
}

/** A closed loop of `concurrency` senders for `ms`: acknowledged deliveries per second. */
async function ingestRate(bridge: RunningBridge, ms: number, concurrency: number): Promise<ChatBenchResult['ingest']> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const ts = slackTs();
        const body = JSON.stringify({
          type: 'event_callback',
          team_id: 'T1',
          api_app_id: 'A1',
          event_id: `Ev${ts}`,
          event_time: 1,
          event: { type: 'message', user: 'UALICE', text: 'chatter', ts, channel: 'C1', channel_type: 'channel', event_ts: ts },
        });
        const started = process.hrtime.bigint();
        const res = await request(`http://127.0.0.1:${bridge.port}/slack/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body) },
          body,
          dispatcher: agent,
        });
        await res.body.dump();
        if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { acksPerSecond: Math.round(latencies.length / (ms / 1000)), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) };
}
