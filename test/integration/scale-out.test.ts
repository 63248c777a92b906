import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeDify, sleep, tokens, writeSse } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { TestRedis } from '../support/redis-server.js';

const redis = new TestRedis();
beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  await redis.stop();
});

let slack: FakeSlack;
let dify: FakeDify;
let replicas: TestBridge[] = [];
beforeEach(async () => {
  slack = await new FakeSlack().start();
  dify = await new FakeDify().start();
  replicas = [];
});
afterEach(async () => {
  for (const r of replicas) await r.close().catch(() => undefined);
  await slack.close();
  await dify.close();
});

async function replica(env: Record<string, string> = {}): Promise<TestBridge> {
  const r = await startTestBridge({ slack, dify, env: { STORE_URL: redis.url, ...env } });
  replicas.push(r);
  return r;
}

const settleAll = async () => {
  for (const r of replicas) await settled(r);
};

describe('two replicas on one Redis', () => {
  it('answer a Slack retry delivered to the other replica exactly once', async () => {
    const [a, b] = [await replica(), await replica()];
    dify.onChat = async ({ events, res }) => {
      await sleep(300);
      await writeSse(res, [events.message('Answered once.'), events.messageEnd()]);
    };
    const ts = '1790000100.000100';
    const event = { type: 'app_mention', user: 'UALICE', text: '<@UBOT> once please', ts, channel: 'C1', event_ts: ts, team: 'T1' };
    const first = await a.sendEvent(event);
    await b.sendEvent(event, { eventId: first.eventId, retryNum: 1 });
    await settleAll();
    expect(dify.chatRequests()).toHaveLength(1);
    expect(slack.replies('C1', ts).map((m) => m.text)).toEqual(['Answered once.']);
  });

  it('answer two messages of one thread on different replicas in order, in one conversation', async () => {
    const [a, b] = [await replica(), await replica()];
    const { ts } = await a.mention('start');
    await settleAll();
    dify.onChat = async ({ req, events, res }) => {
      const q = String(req.body['query']);
      await writeSse(res, [...tokens(`Answer to ${q}`, 3).map((d) => events.message(d)), events.messageEnd()], q === 'second' ? 60 : 5);
    };
    await a.message('second', { threadTs: ts });
    await sleep(30);
    await b.message('third', { threadTs: ts });
    await settleAll();
    const reqs = dify.chatRequests();
    expect(reqs.map((r) => r.body['query'])).toEqual(['start', 'second', 'third']);
    const conversation = [...dify.conversations.keys()][0];
    expect(reqs[1]!.body['conversation_id']).toBe(conversation);
    expect(reqs[2]!.body['conversation_id']).toBe(conversation);
    // The third run started only after the second had finished.
    const secondDone = slack.replies('C1', ts)[1]!;
    expect(reqs[2]!.at).toBeGreaterThanOrEqual(Math.max(secondDone.postedAt, ...secondDone.updatedAt) - 5);
    expect(slack.replies('C1', ts).map((m) => m.text)).toEqual(['You said: start', 'Answer to second', 'Answer to third']);
  });

  it('share one thread → conversation map: a follow-up on the other replica continues it', async () => {
    const [a, b] = [await replica(), await replica()];
    const { ts } = await a.mention('hello');
    await settleAll();
    await b.message('follow-up', { threadTs: ts });
    await settleAll();
    expect(dify.chatRequests()[1]!.body['conversation_id']).toBe([...dify.conversations.keys()][0]);
  });

  it('share the workspace edit allowance: answers all progress, finals all land exactly', async () => {
    slack.updateLimitPerMinute = 30;
    const env = { SLACK_EDITS_PER_MINUTE: '30', STREAM_INTERVAL_MS: '100' };
    const [a, b] = [await replica(env), await replica(env)];
    const answers = new Map<string, string>();
    dify.onChat = ({ req, events, res }) => {
      const q = String(req.body['query']);
      const answer = `${q}: ${'token '.repeat(40).trim()}`;
      answers.set(q, answer);
      return writeSse(res, [...tokens(answer, 6).map((d) => events.message(d)), events.messageEnd()], 40);
    };
    const threads: string[] = [];
    for (let i = 0; i < 6; i++) threads.push((await (i % 2 ? b : a).mention(`q${i}`)).ts);
    await settleAll();
    for (let i = 0; i < 6; i++) {
      const [reply] = slack.replies('C1', threads[i]);
      expect(reply!.text).toBe(answers.get(`q${i}`));
      // Every answer showed progress before its final text.
      expect(reply!.history.length).toBeGreaterThanOrEqual(2);
    }
    // The shared bucket kept the two replicas within Slack's limit: no 429 (or a handful at most).
    expect(slack.rateLimited).toBeLessThanOrEqual(2);
  });
});

describe('Redis restarts', () => {
  it('reconnects and carries on', async () => {
    const a = await replica();
    const first = await a.mention('before');
    await settled(a);
    expect(slack.replies('C1', first.ts)).toHaveLength(1);
    await redis.restart();
    const second = await a.mention('after');
    await slack.waitFor(() => slack.replies('C1', second.ts)[0]?.text === 'You said: after', 10_000, 'an answer after the restart');
    await settled(a);
  });
});

describe('taking over from a replica that died mid-answer', () => {
  it('edits the answer the dead replica had posted instead of posting a second one', async () => {
    const a = await replica();
    const { RedisStore } = await import('../../src/store/redis-store.js');
    const { messageClaimKey } = await import('../../src/core/chat/keys.js');
    const ts = '1790000300.000100';
    // The dead replica had posted a partial answer and recorded it; its claim lease ran out.
    const partial = (slack as unknown as { apply(m: string, a: Record<string, unknown>): { ts: string } }).apply('chat.postMessage', {
      channel: 'C1',
      thread_ts: ts,
      markdown_text: 'Partial answer fro',
    });
    const store = new RedisStore(redis.url);
    await store.setReply(messageClaimKey('T1', 'C1', ts), { channelId: 'C1', ts: [partial.ts] }, 60_000);
    await store.close();
    // Slack's retry reaches the surviving replica.
    await a.sendEvent({ type: 'app_mention', user: 'UALICE', text: '<@UBOT> the question', ts, channel: 'C1', event_ts: ts, team: 'T1' }, { retryNum: 2 });
    await settled(a);
    const replies = slack.replies('C1', ts);
    expect(replies.map((m) => m.text)).toEqual(['You said: the question']);
    expect(replies[0]!.ts).toBe(partial.ts);
  });
});

describe('Stop across replicas', () => {
  it('a Stop pressed on the other replica stops the answer', async () => {
    const [a, b] = [await replica(), await replica()];
    dify.onChat = ({ events, res }) => writeSse(res, [...Array.from({ length: 100 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 50);
    const { ts } = await a.mention('long');
    const streaming = await slack.waitFor(() => slack.replies('C1', ts).find((m) => m.text.startsWith('w0 w1')), 3000, 'streaming');
    await b.press(streaming, 'dify_stop');
    await settleAll();
    expect(slack.replies('C1', ts)[0]!.text).toMatch(/^w0 w1 .*\n\n_\(stopped\)_$/s);
    expect(dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
  });

  it("Slack's stop button reported to the other replica (agent_session_stopped) stops the answer", async () => {
    const [a, b] = [await replica({ STREAM_MODE: 'native' }), await replica({ STREAM_MODE: 'native' })];
    slack.nativeStreaming = true;
    dify.onChat = ({ events, res }) => writeSse(res, [...Array.from({ length: 100 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 50);
    try {
      const { ts } = await a.mention('long');
      const streaming = await slack.waitFor(() => slack.replies('C1', ts).find((m) => m.streaming && m.text.startsWith('w0 w1')), 3000, 'streaming');
      await b.sendEvent({
        type: 'agent_session_stopped',
        channel: 'C1',
        thread_ts: ts,
        user: 'UALICE',
        streaming_message_ts: [streaming.ts],
        event_ts: String(Date.now() / 1000),
      });
      await settleAll();
      expect(streaming.text).toMatch(/^w0 w1 .*\n\n_\(stopped\)_$/s);
      expect(dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
    } finally {
      slack.nativeStreaming = false;
    }
  });
});
