import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signedBySlack } from '../../src/slack/front-door.js';
import { EventRouter } from '../../src/slack/events/event-router.js';

const SECRET = 'front-door-secret';
const NOW = 1_800_000_000_000;
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const signature = (body: string, ts: number, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
const at = (ts: number, sig: string) => request({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig });

describe("the front door's signature check", () => {
  const body = '{"type":"event_callback"}';
  const ts = NOW / 1000;
  it("accepts Slack's v0 signature of the timestamp and the body", () => {
    expect(signedBySlack(at(ts, signature(body, ts)), body, SECRET, NOW)).toBe(true);
    expect(signedBySlack(at(ts - 299, signature(body, ts - 299)), body, SECRET, NOW)).toBe(true);
  });
  it('refuses another secret, another body, a replay past five minutes, and missing or odd headers', () => {
    expect(signedBySlack(at(ts, signature(body, ts, 'other')), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(ts, signature(body, ts)), `${body} `, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(ts - 301, signature(body, ts - 301)), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(ts, signature(body, ts).replace('v0=', 'v1=')), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(ts, signature(body, ts).slice(0, -2)), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(request({ 'x-slack-signature': signature(body, ts) }), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(Number.NaN, signature(body, ts)), body, SECRET, NOW)).toBe(false);
    expect(signedBySlack(at(ts, signature(body, ts)), body, '', NOW)).toBe(false);
  });
});

describe('the event router', () => {
  it("runs each of a type's handlers, a failing one not stopping the next, and says which failed", async () => {
    const events = new EventRouter();
    const seen: string[] = [];
    events.on('message', async () => {
      seen.push('first');
      throw new Error('first failed');
    });
    events.on('message', async ({ event }) => void seen.push(`second ${String(event['text'])}`));
    expect(events.handles('message')).toBe(true);
    expect(events.handles('app_mention')).toBe(false);
    await expect(events.dispatch({ event: { type: 'message', text: 'hi' }, body: {}, context: {} })).rejects.toThrow('first failed');
    expect(seen).toEqual(['first', 'second hi']);
    await events.dispatch({ event: { type: 'reaction_added' }, body: {}, context: {} });
  });
});
