import { afterEach, describe, expect, it } from 'vitest';
import { tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const answer = 'Native **streaming** sends only what is new, then the final text is set exactly.';
async function nativeBridge(env: Record<string, string> = {}): Promise<TestBridge> {
  const b = await startTestBridge({ env: { STREAM_MODE: 'native', ...env } });
  b.slack.nativeStreaming = true;
  b.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, 8).map((d) => events.message(d)), events.messageEnd()], 40);
  return b;
}

describe('Slack native streaming (STREAM_MODE=native; auto in DMs)', () => {
  it('streams into the thread with startStream/appendStream/stopStream, then sets the exact final text with its buttons', async () => {
    t = await nativeBridge();
    const { ts } = await t.mention('stream it');
    await settled(t);
    const start = t.slack.callsTo('chat.startStream')[0]!;
    expect(start.args).toMatchObject({ channel: 'C1', thread_ts: ts, recipient_team_id: 'T1', recipient_user_id: 'UALICE' });
    expect(t.slack.callsTo('chat.appendStream').length).toBeGreaterThan(0);
    expect(t.slack.callsTo('chat.stopStream')).toHaveLength(1);
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
    const replies = t.slack.replies('C1', ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe(answer);
    // Appends only ever added text: every intermediate state is a prefix of the answer.
    for (const h of replies[0]!.history.slice(0, -1)) expect(answer.startsWith(h)).toBe(true);
    expect(JSON.stringify(replies[0]!.blocks)).toContain('feedback_buttons');
  });

  it('shows a running tool with assistant.threads.setStatus, and clears it at the end', async () => {
    t = await nativeBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [events.agentThought('web_search', ''), events.agentThought('web_search', '{"r":1}'), events.agentMessage('Found it.'), events.messageEnd()],
        120,
      );
    const { ts } = await t.mention('search');
    await settled(t);
    const statuses = t.slack.callsTo('assistant.threads.setStatus').map((c) => c.args['status']);
    expect(statuses).toContain('Using web_search…');
    expect(statuses.at(-1)).toBe('');
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('Found it.');
    // The tool call also shows as a task (in progress, then complete) under a plan title that counts steps.
    expect(t.slack.replies('C1', ts)[0]!.chunks).toEqual([
      { type: 'plan_update', title: 'Working: 0 of 1 step done' },
      { type: 'task_update', id: 'thought-1', title: 'web_search', status: 'in_progress' },
      { type: 'plan_update', title: '1 step done' },
      { type: 'task_update', id: 'thought-1', title: 'web_search', status: 'complete', output: 'r: 1' },
    ]);
  });

  it('falls back to editing where native streaming is refused, and stops trying in that workspace', async () => {
    t = await nativeBridge();
    t.slack.nativeError = 'channel_type_not_supported';
    t.slack.nativeStreaming = false;
    const first = await t.mention('one');
    await settled(t);
    const second = await t.mention('two');
    await settled(t);
    expect(t.slack.replies('C1', first.ts)[0]!.text).toBe(answer);
    expect(t.slack.replies('C1', second.ts)[0]!.text).toBe(answer);
    expect(t.slack.callsTo('chat.startStream')).toHaveLength(1);
  });

  it('carries on by editing the same message when the stream expires, losing and repeating nothing', async () => {
    t = await nativeBridge();
    t.slack.streamExpiresAfterAppends = 2;
    const { ts } = await t.mention('long one');
    await settled(t);
    const replies = t.slack.replies('C1', ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe(answer);
    expect(t.slack.callsTo('chat.update').length).toBeGreaterThan(0);
  });

  it('switches to editing when the answer is replaced (output moderation)', async () => {
    t = await nativeBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(res, [events.message('My SSN is '), events.message('123-45-6789'), events.messageReplace('[removed by moderation]'), events.messageEnd()], 120);
    const { ts } = await t.mention('leak');
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['[removed by moderation]']);
  });

  it('auto streams natively in a DM thread, and edits in channels (where only the recipient would see it live)', async () => {
    t = await nativeBridge({ STREAM_MODE: 'auto' });
    await t.message('in a DM thread', { channel: 'D1', channelType: 'im', threadTs: '1790000600.000100' });
    await settled(t);
    expect(t.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(t.slack.callsTo('chat.startStream')[0]!.args['channel']).toBe('D1');
    const { ts } = await t.mention('in a channel');
    await settled(t);
    expect(t.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe(answer);
  });

  it("is not used with STREAM_MODE=edit, nor in a DM's main timeline", async () => {
    t = await nativeBridge({ STREAM_MODE: 'edit' });
    const edited = await t.mention('edit please');
    await settled(t);
    expect(t.slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(t.slack.replies('C1', edited.ts)[0]!.text).toBe(answer);
    await t.close();
    t = await nativeBridge({ STREAM_MODE: 'auto' });
    await t.message('hi', { channel: 'D1', channelType: 'im' });
    await settled(t);
    expect(t.slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe(answer);
  });

  it('stops the run when an append finds the stream stopped in Slack (stopped_by_user), and ends the session', async () => {
    t = await nativeBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [...Array.from({ length: 60 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 50);
    const { ts } = await t.mention('go on and on');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.streaming && m.text.startsWith('w0 w1')), 3000, 'a native stream');
    t.slack.pressNativeStop(streaming);
    await settled(t);
    expect(streaming.text).toMatch(/^w0 .*\n\n_\(stopped\)_$/s);
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
    expect(t.slack.calls.some((c) => c.method === 'chat.stopStream' && c.args['ts'] === streaming.ts)).toBe(true);
    expect(streaming.streaming).toBe(false);
  });

  it("Slack's own stop button (agent_session_stopped) stops the run at once and ends the session", async () => {
    t = await nativeBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [...Array.from({ length: 100 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 50);
    const { ts } = await t.mention('go on and on');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.streaming && m.text.startsWith('w0 w1')), 3000, 'a native stream');
    // The event alone stops it: Slack may report the press before the next append would find out.
    const stoppedAt = Date.now();
    const stopsBefore = t.slack.callsTo('chat.stopStream').length;
    await t.sendEvent({
      type: 'agent_session_stopped',
      channel: 'C1',
      thread_ts: ts,
      user: 'UALICE',
      streaming_message_ts: [streaming.ts],
      event_ts: String(Date.now() / 1000),
    });
    await t.slack.waitFor(() => streaming.text.endsWith('_(stopped)_'), 2000, '(stopped)');
    // At once: far sooner than the rest of the answer (5 s of tokens) would have taken.
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    await settled(t);
    expect(streaming.text).toMatch(/^w0 w1 .*\n\n_\(stopped\)_$/s);
    expect(streaming.text).not.toContain('w99');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
    // The session leaves "processing": the stream is stopped by the app, and nothing is appended after.
    expect(t.slack.callsTo('chat.stopStream').length).toBe(stopsBefore + 1);
    expect(streaming.streaming).toBe(false);
    expect(t.slack.replies('C1', ts)).toHaveLength(1);
  });

  it('agent_session_stopped in a thread where nothing runs changes nothing', async () => {
    t = await nativeBridge();
    const { ts } = await t.mention('stream it');
    await settled(t);
    const res = await t.sendEvent({
      type: 'agent_session_stopped',
      channel: 'C1',
      thread_ts: ts,
      user: 'UALICE',
      streaming_message_ts: [],
      event_ts: String(Date.now() / 1000),
    });
    expect(res.status).toBe(200);
    await t.message('and again', { threadTs: ts });
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual([answer, answer]);
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(0);
  });
});
