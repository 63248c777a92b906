import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { sign } from '../test/support/harness.js';
import { slackTs } from '../test/support/fake-slack.js';
import { median, percentile } from './machine.js';
import type { Measured, SubjectUrls } from './subject-child.js';

/** A child process driven over IPC (the fakes; the bridge or the reference). */
class Child {
  private next = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; body: unknown }) => this.waiting.get(m.id)?.(m.body));
  }
  static async start(file: string, execArgv: string[] = []): Promise<Child> {
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
      execArgv: ['--import', import.meta.resolve('tsx'), ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const c = new Child(child);
    await new Promise<void>((resolve) => c.waiting.set(0, () => resolve()));
    return c;
  }
  call<T>(type: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, (v) => {
        this.waiting.delete(id);
        resolve(v as T);
      });
      this.child.send({ id, type, ...extra });
    });
  }
  exited(): Promise<void> {
    return this.child.exitCode !== null ? Promise.resolve() : new Promise((r) => this.child.once('exit', () => r()));
  }
}

export type SubjectKind = 'bridge' | 'reference';

interface Stats {
  firstText: Record<string, number>;
  final: Record<string, { exact: boolean; at: number; waitedMs: number }>;
  calls: Record<string, number>;
  difyCalls: Record<string, number>;
  rateLimited: number;
  started: number;
}

/** A subject under test: its own process, its port, its measurements. */
interface Subject {
  kind: SubjectKind;
  port: number;
  measure<T>(work: () => Promise<T>): Promise<{ result: T; measured: Measured }>;
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const round = (n: number) => Math.round(n * 10) / 10;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Where `--profile` writes the subjects' CPU profiles. */
export const PROFILE_DIR = fileURLToPath(new URL('./results/profiles/', import.meta.url));

export class ChatBench {
  private constructor(
    private readonly fakes: Child,
    readonly urls: SubjectUrls,
    private readonly profile: boolean,
  ) {}

  static async start(opts: { profile?: boolean } = {}): Promise<ChatBench> {
    const fakes = await Child.start('./fakes-child.ts');
    const urls = await fakes.call<SubjectUrls>('urls');
    return new ChatBench(fakes, urls, opts.profile === true);
  }

  async close(): Promise<void> {
    await this.fakes.call('close');
    await agent.close();
  }

  /**
   * Runs `work` against a fresh process of the subject (profiled as `name` with --profile),
   * warmed up first unless `warm` is false.
   */
  async with<T>(kind: SubjectKind, env: Record<string, string>, name: string, work: (s: Subject) => Promise<T>, warm = true): Promise<T> {
    if (this.profile) mkdirSync(PROFILE_DIR, { recursive: true });
    const child = await Child.start('./subject-child.ts');
    try {
      const { port } = await child.call<{ port: number }>('start', { kind, urls: this.urls, env });
      const subject: Subject = {
        kind,
        port,
        measure: async (w) => {
          await child.call('measure-start');
          const result = await w();
          await child.call('idle');
          const measured = await child.call<Measured>('measure-stop');
          return { result, measured };
        },
      };
      if (warm) await this.warm(subject);
      if (!this.profile) return await work(subject);
      await child.call('profile-start');
      const result = await work(subject);
      await child.call('profile-stop', { path: `${PROFILE_DIR}${kind}-${name}.cpuprofile` });
      return result;
    } finally {
      await child.call('stop');
      await child.exited();
    }
  }

  /** A few answers first, unmeasured: a fresh process's first requests pay for compiling its code. */
  private async warm(s: Subject): Promise<void> {
    await this.script(1000, 50);
    await this.reset();
    await s.measure(() => Promise.all(Array.from({ length: 20 }, (_, i) => mention(s.port, `w0-${i}`))));
    await this.reset();
  }

  private script(tokensPerSecond: number, tokens: number, updateLimitPerMinute?: number) {
    return this.fakes.call('script', { script: { tokensPerSecond, tokens }, ...(updateLimitPerMinute !== undefined ? { updateLimitPerMinute } : {}) });
  }
  private reset = () => this.fakes.call('reset');
  private stats = () => this.fakes.call<Stats>('stats');

  /** Dify's first answer byte → the Slack call that shows it, for `batches` × `concurrent` answers at 100 tokens/s. */
  async latency(s: Subject, batches: number, concurrent: number): Promise<{ answers: number; p50Ms: number; p99Ms: number }> {
    await this.script(100, 200);
    const added: number[] = [];
    for (let b = 0; b < batches; b++) {
      await this.reset();
      await s.measure(() => Promise.all(Array.from({ length: concurrent }, (_, i) => mention(s.port, `q${b}-${i}`))));
      added.push(...Object.values((await this.stats()).firstText));
    }
    const xs = sorted(added);
    return { answers: xs.length, p50Ms: round(percentile(xs, 50)), p99Ms: round(percentile(xs, 99)) };
  }

  /** CPU and Slack calls per 1,000 tokens at a Dify speed. */
  async cost(s: Subject, tokensPerSecond: number, answers: number, tokens = 200): Promise<CostResult> {
    await this.script(tokensPerSecond, tokens);
    await this.reset();
    const { measured } = await s.measure(async () => {
      await Promise.all(Array.from({ length: answers }, (_, i) => mention(s.port, `c${tokensPerSecond}-${i}`)));
      // Asked often, so that the measured window ends close to the last final.
      await this.untilFinal(answers, 60_000, 200);
    });
    const st = await this.stats();
    const slackCalls = (st.calls['chat.postMessage'] ?? 0) + (st.calls['chat.update'] ?? 0);
    const finals = Object.values(st.final);
    return {
      tokensPerSecond,
      answers,
      callsPerAnswer: round(slackCalls / answers),
      cpuMsPer1000Tokens: round((measured.cpuMs / (answers * tokens)) * 1000),
      systemCpuMsPer1000Tokens: round((measured.systemCpuMs / (answers * tokens)) * 1000),
      allExact: finals.length === answers && finals.every((f) => f.exact),
      slackCallsPerAnswer: perAnswer(st.calls, answers),
      difyCallsPerAnswer: perAnswer(st.difyCalls, answers),
    };
  }

  /** Many answers at once (20 tokens/s × 100): peak memory, event-loop delay, and that every final text is exact. */
  async scale(s: Subject, n: number): Promise<ScaleResult> {
    await this.script(20, 100);
    await this.reset();
    const started = Date.now();
    // Sent in waves of 250, as Slack delivers a burst: no sender waits on another's ack.
    const statuses: number[] = [];
    const { measured } = await s.measure(async () => {
      for (let i = 0; i < n; i += 250) await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, j) => mention(s.port, `s${n}-${i + j}`, statuses)));
      // An acknowledged delivery may not have started its run yet: wait for the answers themselves.
      await this.untilFinal(n, 180_000);
    });
    const st = await this.stats();
    const finals = Object.values(st.final);
    return {
      concurrent: n,
      notAcknowledged: statuses.filter((x) => x !== 200).length,
      difyStreams: st.started,
      rssMiB: measured.rssPeakMiB,
      eventLoopDelayP99Ms: round(measured.eventLoopDelayP99Ms),
      allExact: finals.length === n && finals.every((f) => f.exact),
      finals: finals.length,
      seconds: round((Date.now() - started) / 1000),
      cpuMsPer1000Tokens: round((measured.cpuMs / (n * 100)) * 1000),
    };
  }

  /** Until `n` answers show their exact final text in Slack (or the deadline: the caller reports what is missing). */
  private async untilFinal(n: number, timeoutMs: number, everyMs = 1000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const finals = Object.values((await this.stats()).final);
      if (finals.length >= n && finals.every((f) => f.exact)) return;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** 100 answers at once under a Slack that allows `limit` chat.update a minute. */
  async fairness(s: Subject, answers: number, limit: number): Promise<FairnessResult> {
    await this.script(50, 100, limit);
    await this.reset();
    const started = Date.now();
    await s.measure(async () => {
      await Promise.all(Array.from({ length: answers }, (_, i) => mention(s.port, `f${i}`)));
      await this.untilFinal(answers, 600_000);
    });
    const st = await this.stats();
    await this.script(100, 200);
    const finals = Object.values(st.final);
    return {
      answers,
      editsPerMinuteLimit: limit,
      rateLimited: st.rateLimited,
      allExact: finals.length === answers && finals.every((f) => f.exact),
      secondsUntilAllFinal: round((Math.max(...finals.map((f) => f.at)) - started) / 1000),
      slowestFinalWaitSeconds: round(Math.max(...finals.map((f) => f.waitedMs)) / 1000),
      medianFinalWaitSeconds: round(median(finals.map((f) => f.waitedMs)) / 1000),
      editCalls: st.calls['chat.update'] ?? 0,
      // Each answer needs at least its final edit: the fair share of `limit` a minute.
      fairShareSeconds: round((answers / limit) * 60),
    };
  }

  /** What a person waits: the question → the first visible text, here and with a blocking design. */
  async toFirstText(s: Subject, n: number): Promise<number[]> {
    await this.script(100, 200);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await this.reset();
      const sent = await mention(s.port, `t${i}`);
      await s.measure(async () => undefined);
      const st = await this.stats();
      const added = st.firstText[`t${i}`];
      const firstByte = await this.fakes.call<number>('firstByteAt', { q: `t${i}` });
      if (added !== undefined && typeof firstByte === 'number') out.push(firstByte + added - sent);
    }
    return out;
  }

  /** The naive design most bridges use: one blocking Dify call, then one chat.postMessage. */
  async blockingToFirstText(n: number): Promise<number[]> {
    await this.script(100, 200);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = Date.now();
      const res = await request(`${this.urls.dify}/chat-messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.urls.difyKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `b${i}`, inputs: {}, user: 'baseline', response_mode: 'blocking' }),
        dispatcher: agent,
      });
      const answer = ((await res.body.json()) as { answer: string }).answer;
      const post = await request(`${this.urls.slack}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.urls.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ channel: 'C1', thread_ts: '1.1', markdown_text: answer }).toString(),
        dispatcher: agent,
      });
      await post.body.dump();
      out.push(Date.now() - started);
    }
    return out;
  }

  /** A closed loop of `concurrency` senders for `ms`: signed deliveries acknowledged per second (messages the subject ignores). */
  async ingest(s: Subject, ms: number, concurrency: number): Promise<IngestResult> {
    const latencies: number[] = [];
    const { measured } = await s.measure(async () => {
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
            const res = await request(`http://127.0.0.1:${s.port}/slack/events`, {
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
    });
    const xs = sorted(latencies);
    return {
      acksPerSecond: Math.round(xs.length / (ms / 1000)),
      p50Ms: round(percentile(xs, 50)),
      p99Ms: round(percentile(xs, 99)),
      cpuMsPerDelivery: Number((measured.cpuMs / Math.max(1, xs.length)).toPrecision(3)),
    };
  }
}

export interface CostResult {
  tokensPerSecond: number;
  answers: number;
  callsPerAnswer: number;
  cpuMsPer1000Tokens: number;
  /** Of cpuMsPer1000Tokens, the kernel's part. */
  systemCpuMsPer1000Tokens: number;
  allExact: boolean;
  /** Every Slack method and Dify path the subject called, per answer (the stream, and what else it asks). */
  slackCallsPerAnswer: Record<string, number>;
  difyCallsPerAnswer: Record<string, number>;
}

const perAnswer = (counts: Record<string, number>, answers: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, Math.round((n / answers) * 100) / 100]));
export interface ScaleResult {
  concurrent: number;
  /** Deliveries the subject did not answer 200 (Slack would retry them). */
  notAcknowledged: number;
  /** Answers Dify began streaming. */
  difyStreams: number;
  rssMiB: number;
  eventLoopDelayP99Ms: number;
  allExact: boolean;
  finals: number;
  seconds: number;
  cpuMsPer1000Tokens: number;
}
export interface FairnessResult {
  answers: number;
  editsPerMinuteLimit: number;
  rateLimited: number;
  allExact: boolean;
  secondsUntilAllFinal: number;
  slowestFinalWaitSeconds: number;
  medianFinalWaitSeconds: number;
  fairShareSeconds: number;
  /** chat.update calls Slack got (accepted or not): a final edit each, and any progress edits. */
  editCalls: number;
}
export interface IngestResult {
  acksPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerDelivery: number;
}

/** Sends a signed app_mention; resolves with the time the event was sent. */
async function mention(port: number, text: string, statuses?: number[]): Promise<number> {
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
  const res = await request(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sign(body) },
    body,
    dispatcher: agent,
  });
  await res.body.dump();
  statuses?.push(res.statusCode);
  return sent;
}
