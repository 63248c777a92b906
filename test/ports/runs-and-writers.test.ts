import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SinkRateLimited, SinkUnavailable } from '../../src/core/ports.js';
import { RunRegistry } from '../../src/core/runs/run-registry.js';
import { SlackAnswerWriter } from '../../src/slack/answer-writer.js';
import { NativeLatch, NativeStreamWriter } from '../../src/slack/native-stream-writer.js';

const silent = pino({ level: 'silent' });

/** A flag store shared by "replicas", as Redis is. */
function sharedFlags() {
  const flags = new Map<string, number>();
  return {
    kind: 'redis' as const,
    async raiseFlag(key: string, ttlMs: number) {
      flags.set(key, Date.now() + ttlMs);
    },
    async takeFlag(key: string) {
      const until = flags.get(key);
      flags.delete(key);
      return until !== undefined && until > Date.now();
    },
  };
}

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe('the run registry and Stop (fake clock)', () => {
  it('stops a run at once on its own replica, only for the asker by default', async () => {
    const registry = new RunRegistry({ kind: 'memory', raiseFlag: async () => undefined, takeFlag: async () => false }, 'asker');
    const stop = vi.fn();
    const unregister = registry.register('run-1', stop, 'thread-1');
    expect(await registry.requestStop('run-1', 'UALICE', 'UBOB')).toBe(false);
    expect(stop).not.toHaveBeenCalled();
    expect(await registry.requestStop('run-1', 'UALICE', 'UALICE')).toBe(true);
    expect(stop).toHaveBeenCalledTimes(1);
    await registry.stopThread('thread-1');
    expect(stop).toHaveBeenCalledTimes(2);
    unregister();
    await registry.stopThread('thread-1');
    expect(stop).toHaveBeenCalledTimes(2);
    const anyone = new RunRegistry({ kind: 'memory', raiseFlag: async () => undefined, takeFlag: async () => false }, 'anyone');
    const other = vi.fn();
    anyone.register('run-2', other);
    expect(await anyone.requestStop('run-2', 'UALICE', 'UBOB')).toBe(true);
    expect(other).toHaveBeenCalledTimes(1);
  });

  it("carries a Stop to the replica that runs the answer within a poll; a thread's stop does not outlive its run", async () => {
    const flags = sharedFlags();
    const [here, there] = [new RunRegistry(flags, 'asker'), new RunRegistry(flags, 'asker')];
    const stop = vi.fn();
    const unregister = there.register('run-1', stop, 'thread-1');
    await here.requestStop('run-1', 'UALICE', 'UALICE');
    await vi.advanceTimersByTimeAsync(499);
    expect(stop).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(stop).toHaveBeenCalledTimes(1);
    unregister();
    // Slack's stop pressed where nothing runs: the flag lasts 3 s, so the thread's next question is safe.
    await here.stopThread('thread-1');
    await vi.advanceTimersByTimeAsync(3000);
    const next = vi.fn();
    there.register('run-2', next, 'thread-1');
    await vi.advanceTimersByTimeAsync(1000);
    expect(next).not.toHaveBeenCalled();
  });
});

type Call = { method: string; args: Record<string, unknown> };

/** A Web API client that records each call and answers like Slack; `refuse` makes a method fail with a Slack error. */
function recordingClient(refuse: Record<string, string> = {}) {
  const calls: Call[] = [];
  let seq = 0;
  const method = (name: string) => async (args: Record<string, unknown>) => {
    calls.push({ method: name, args });
    const error = refuse[name];
    if (error) throw new WebAPIPlatformError({ ok: false, error });
    return { ok: true, ts: `1700000000.${String(++seq).padStart(6, '0')}`, channel: args['channel'], messages: [] };
  };
  const client = {
    chat: {
      postMessage: method('chat.postMessage'),
      update: method('chat.update'),
      delete: method('chat.delete'),
      startStream: method('chat.startStream'),
      appendStream: method('chat.appendStream'),
      stopStream: method('chat.stopStream'),
    },
    assistant: { threads: { setStatus: method('assistant.threads.setStatus') } },
    conversations: { replies: method('conversations.replies'), history: method('conversations.history') },
  };
  return { client: client as unknown as WebClient, calls };
}

describe('the Slack writers against a recording Web API client', () => {
  it('the edit writer posts once, edits in place, splits a long answer into pages and removes pages it no longer needs', async () => {
    const { client, calls } = recordingClient();
    const posted: string[][] = [];
    const w = new SlackAnswerWriter(client, { channelId: 'C1', threadTs: '1.1' }, silent, {
      reply: { existing: [], onPosted: async (ts) => void posted.push(ts) },
    });
    await w.show('Hello', false);
    await w.show('Hello, world', false);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(calls[0]!.args).toMatchObject({ channel: 'C1', thread_ts: '1.1', markdown_text: 'Hello' });
    expect(calls[1]!.args).toMatchObject({ ts: '1700000000.000001', markdown_text: 'Hello, world' });
    await w.show(`${'a'.repeat(11_000)}\n\n${'b'.repeat(5_000)}`, false);
    expect(calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(2);
    const [firstPage, secondPage] = posted.at(-1)!;
    expect(firstPage).toBe('1700000000.000001');
    await w.show('short again', true);
    expect(calls.at(-1)).toMatchObject({ method: 'chat.delete', args: { ts: secondPage } });
    expect(posted.at(-1)).toEqual(['1700000000.000001']);
    // The same text again costs no call.
    const before = calls.length;
    await w.show('short again', true);
    expect(calls).toHaveLength(before);
  });

  it("the edit writer turns Slack's refusals into the policy's terms: rate limited, or unavailable", async () => {
    const limited = new SlackAnswerWriter(recordingClient({ 'chat.postMessage': 'ratelimited' }).client, { channelId: 'C1' }, silent);
    await expect(limited.show('x', false)).rejects.toBeInstanceOf(SinkRateLimited);
    const gone = new SlackAnswerWriter(recordingClient({ 'chat.postMessage': 'not_in_channel' }).client, { channelId: 'C9' }, silent);
    await expect(gone.show('x', false)).rejects.toBeInstanceOf(SinkUnavailable);
  });

  it('the native writer streams deltas, shows tasks and status, then stops the stream and sets the exact final text by an edit', async () => {
    const { client, calls } = recordingClient();
    const edit = new SlackAnswerWriter(client, { channelId: 'D1', threadTs: '1.1' }, silent);
    const w = new NativeStreamWriter(client, { channelId: 'D1', threadTs: '1.1' }, { teamId: 'T1', userId: 'UALICE' }, edit, new NativeLatch(), silent);
    await w.show('', false, { text: 'Hel', status: 'Searching…', tasks: [{ id: 't1', title: 'web_search', status: 'in_progress' }] });
    await w.show('', false, { text: 'Hello **wor', tasks: [{ id: 't1', title: 'web_search', status: 'complete' }] });
    await w.show('Hello **world**', true);
    const appended = calls.filter((c) => c.method === 'chat.appendStream');
    expect(calls[0]).toMatchObject({
      method: 'chat.startStream',
      args: { channel: 'D1', thread_ts: '1.1', markdown_text: 'Hel', recipient_team_id: 'T1', recipient_user_id: 'UALICE' },
    });
    expect(appended.map((c) => c.args['markdown_text']).filter(Boolean)).toEqual(['lo **wor']);
    expect(
      appended.flatMap((c) => (c.args['chunks'] as Array<{ type: string; status?: string }> | undefined) ?? []).map((c) => `${c.type}:${c.status ?? ''}`),
    ).toEqual(['plan_update:', 'task_update:in_progress', 'plan_update:', 'task_update:complete']);
    expect(calls.filter((c) => c.method === 'assistant.threads.setStatus').map((c) => c.args['status'])).toEqual(['Searching…', '']);
    const stop = calls.findIndex((c) => c.method === 'chat.stopStream');
    expect(stop).toBeGreaterThan(0);
    expect(calls.slice(stop + 1).find((c) => c.method === 'chat.update')!.args).toMatchObject({ ts: '1700000000.000001', markdown_text: 'Hello **world**' });
  });

  it('the native writer falls back to editing where Slack refuses streaming, and the workspace remembers', async () => {
    const { client, calls } = recordingClient({ 'chat.startStream': 'not_allowed' });
    const latch = new NativeLatch();
    const target = { channelId: 'D1', threadTs: '1.1' };
    const first = new NativeStreamWriter(client, target, { teamId: 'T1', userId: 'UALICE' }, new SlackAnswerWriter(client, target, silent), latch, silent);
    await first.show('Hi', false, { text: 'Hi' });
    await first.show('Hi there', true);
    expect(calls.map((c) => c.method)).toEqual(['chat.startStream', 'chat.postMessage', 'chat.update']);
    const second = new NativeStreamWriter(client, target, { teamId: 'T1', userId: 'UALICE' }, new SlackAnswerWriter(client, target, silent), latch, silent);
    await second.show('Again', false, { text: 'Again' });
    expect(calls.filter((c) => c.method === 'chat.startStream')).toHaveLength(1);
  });
});
