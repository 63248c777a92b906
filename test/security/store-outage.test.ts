import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOT_TAKEN_LINE } from '../../src/core/chat/chat-bridge.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { TestRedis } from '../support/redis-server.js';

// Review item 4: with Redis down a delivery was acknowledged, failed about a minute later, and nobody was told.
const redis = new TestRedis();
beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  await redis.stop();
});
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const notTaken = async (t: TestBridge) => {
  const text = await (await fetch(`${t.base}/metrics`)).text();
  return Number(/^bridge_questions_not_taken_total\{reason="store"\} (\d+)$/m.exec(text)?.[1] ?? 0);
};

describe('a store outage never loses a question silently', () => {
  it('tells the asker privately within seconds, counts it, turns /healthz unhealthy, and answers again once Redis is back', async () => {
    t = await startTestBridge({ env: { STORE_URL: redis.url } });
    const before = await t.mention('before the outage');
    await settled(t);
    expect(t.slack.replies('C1', before.ts)[0]!.text).toBe('You said: before the outage');

    await redis.stop();
    const started = Date.now();
    const { ts } = await t.mention('during the outage');
    const told = await t.slack.waitFor(() => t!.slack.ephemerals.find((e) => e.text === NOT_TAKEN_LINE), 15_000, 'the private line');
    expect(told).toMatchObject({ channel: 'C1', user: 'UALICE', thread_ts: ts });
    // Bounded store calls: well under ioredis's minute of retries.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(t.dify.chatRequests().map((r) => r.body['query'])).not.toContain('during the outage');
    expect(await notTaken(t)).toBe(1);
    const health = await fetch(`${t.base}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { store: { ok: boolean } }).store.ok).toBe(false);
    const line = t.logs.find((l) => l['msg'] === 'the store did not answer: the question was not taken; its asker was told to ask again');
    expect(line?.['level']).toBe(50);

    await redis.start();
    const after = await t.mention('after the outage');
    await t.slack.waitFor(() => t!.slack.replies('C1', after.ts)[0]?.text === 'You said: after the outage', 15_000, 'an answer after the outage');
    await settled(t);
  }, 60_000);
});
