import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeThreadKey } from '../../src/core/chat/keys.js';
import { FakeDify, json, sleep, tokens, writeSse } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { settled, sign, startTestBridge, SIGNING_SECRET, type TestBridge } from '../support/harness.js';
import { freePort } from '../support/free-port.js';
import { launchBridge } from '../support/run-entry.js';

let t: TestBridge | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0)) await c();
});

describe('Dify faults', () => {
  it('Dify refuses connections: a clear message in the thread, and no conversation stored', async () => {
    const port = await freePort();
    t = await startTestBridge({ env: { DIFY_API_URL: `http://127.0.0.1:${port}/v1` } });
    const { ts } = await t.mention('anyone home?');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe("⚠️ Couldn't reach Dify: Dify refused the connection. Please try again in a moment.");
    // The next message in the thread starts a conversation normally once Dify is back.
    const store = (t.bridge as unknown as { chat: { deps: { store: { getThread(k: string): Promise<unknown> } } } }).chat.deps.store;
    expect(await store.getThread(encodeThreadKey({ teamId: 'T1', channelId: 'C1', threadTs: ts }))).toEqual({ appId: 'default' });
  });

  it('Dify stalls mid-stream: the read is given up after the idle timeout, Dify is asked to stop, the message is finalized', async () => {
    t = await startTestBridge({ env: { DIFY_IDLE_TIMEOUT_MS: '1000' } });
    t.dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(`data: ${JSON.stringify(events.message('Half of the '))}\n\n`);
      await sleep(5000);
      res.end();
    };
    const { ts } = await t.mention('slow');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('Half of the \n\n⚠️ Dify stopped responding: Dify stopped sending data (idle timeout). Please try again.');
    const stop = await t.slack.waitFor(() => t!.dify.requests.find((r) => r.path.endsWith('/stop')), 2000, 'the stop call');
    expect(stop.path).toMatch(/^\/v1\/chat-messages\/[^/]+\/stop$/);
    expect(stop.body['user']).toBe('slack:T1:C1:' + ts);
  });

  it('Dify answers 429 too_many_requests: one retry after a pause, then the answer', async () => {
    t = await startTestBridge();
    let calls = 0;
    const busy = t.dify.onChat;
    t.dify.onChat = (ctx) => {
      calls++;
      if (calls === 1) return json(ctx.res, 429, { code: 'too_many_requests', message: 'Too many requests. Please try again later.', status: 429 });
      return busy(ctx);
    };
    const { ts } = await t.mention('busy?');
    await settled(t);
    expect(calls).toBe(2);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('You said: busy?');
  });

  it('Dify stays at 429: a clear message after the one retry', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ res }) => json(res, 429, { code: 'too_many_requests', message: 'Too many requests. Please try again later.', status: 429 });
    const { ts } = await t.mention('busy?');
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(2);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('⚠️ Dify error (too_many_requests): Too many requests. Please try again later.');
  });
});

describe('Slack faults', () => {
  it('a 5xx on chat.postMessage whose post went through does not post the answer twice', async () => {
    t = await startTestBridge();
    let failed = false;
    t.slack.interceptors.push((call) => {
      if (call.method !== 'chat.postMessage' || failed) return undefined;
      failed = true;
      // Slack applied the post, but the answer was lost on the way back.
      (t!.slack as unknown as { apply(m: string, a: Record<string, unknown>): unknown }).apply('chat.postMessage', call.args);
      return { status: 503, body: { ok: false, error: 'service_unavailable' } };
    });
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens('A reply that must appear once.', 5).map((d) => events.message(d)), events.messageEnd()], 30);
    const { ts } = await t.mention('once');
    await settled(t);
    expect(failed).toBe(true);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['A reply that must appear once.']);
    expect(t.slack.callsTo('conversations.replies').length).toBeGreaterThanOrEqual(1);
  });
});

describe('shutdown', () => {
  it('finishes what it can before the deadline, then ends answers with their partial text and asks to ask again', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        Array.from({ length: 100 }, (_, i) => events.message(`w${i} `)),
        50,
      );
    const { ts } = await t.mention('long answer');
    const queued = await t.message('and a queued follow-up', { threadTs: ts });
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]?.text.startsWith('w0'), 3000, 'streaming');
    await t.bridge.stop(400);
    const [first, second] = t.slack.replies('C1', ts);
    expect(first!.text).toMatch(/^w0 w1 .*\n\n_\(interrupted, please ask again\)_$/s);
    expect(second!.text).toBe('_(interrupted, please ask again)_');
    expect(t.slack.replies('C1', ts)).toHaveLength(2);
    // Dify was asked to stop the generation it had started.
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
    void queued;
    t = undefined; // already stopped
  });
});

describe('a crash mid-answer', () => {
  it('after SIGKILL and a restart, the thread continues the same conversation', async () => {
    const slack = await new FakeSlack().start();
    const dify = await new FakeDify().start();
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    cleanups.push(
      () => slack.close(),
      () => dify.close(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    const port = await freePort();
    const env = {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      DIFY_API_URL: dify.url,
      DIFY_API_KEY: dify.apiKey,
      STORE_URL: `sqlite:${join(dir, 'bridge.db')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const launch = () => launchBridge(env, port, cleanups);
    const send = async (event: Record<string, unknown>) => {
      const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: `Ev${Math.random()}`, event_time: 1, event });
      await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body });
    };

    dify.onChat = async ({ events, res }) =>
      writeSse(
        res,
        Array.from({ length: 200 }, (_, i) => events.message(`part${i} `)),
        30,
      );
    const first = await launch();
    const ts = '1790000200.000100';
    await send({ type: 'app_mention', user: 'UALICE', text: '<@UBOT> remember this', ts, channel: 'C1', event_ts: ts, team: 'T1' });
    await slack.waitFor(() => slack.replies('C1', ts)[0]?.text.startsWith('part0'), 5000, 'the answer streaming');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    dify.onChat = ({ events, res }) => writeSse(res, [events.message('Still here.'), events.messageEnd()]);
    await launch();
    const follow = '1790000201.000100';
    await send({
      type: 'message',
      user: 'UALICE',
      text: 'do you remember?',
      ts: follow,
      thread_ts: ts,
      channel: 'C1',
      channel_type: 'channel',
      event_ts: follow,
      team: 'T1',
    });
    await slack.waitFor(() => slack.replies('C1', ts).some((m) => m.text === 'Still here.'), 5000, 'the follow-up answer');
    const reqs = dify.chatRequests();
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.body['conversation_id']).toBe([...dify.conversations.keys()][0]);
  });
});
