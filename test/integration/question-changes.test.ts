import { afterEach, describe, expect, it } from 'vitest';
import { sleep, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Slack's message_changed for a person's edit of message `ts` in C1 (the new text with its `edited` stamp). */
const edit = (ts: string, text: string, before: string, o: { edited?: boolean; user?: string; threadTs?: string } = {}) => ({
  type: 'message',
  subtype: 'message_changed',
  hidden: true,
  channel: 'C1',
  channel_type: 'channel',
  ts: `${Math.floor(Date.now() / 1000)}.000900`,
  event_ts: `${Math.floor(Date.now() / 1000)}.000900`,
  message: {
    type: 'message',
    user: o.user ?? 'UALICE',
    text,
    ts,
    ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    ...(o.edited === false
      ? {}
      : { edited: { user: o.user ?? 'UALICE', ts: `${Math.floor(Date.now() / 1000)}.00${Math.floor(Math.random() * 9000) + 1000}` } }),
  },
  previous_message: { type: 'message', user: o.user ?? 'UALICE', text: before, ts },
});

describe('edited and deleted questions', () => {
  it('an edited question is answered again in the same reply', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('what is 2+2?');
    await settled(t);
    const reply = t.slack.replies('C1', ts)[0]!;
    expect(reply.text).toBe('You said: what is 2+2?');
    await t.sendEvent(edit(ts, '<@UBOT> what is 3+3?', '<@UBOT> what is 2+2?'));
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => [m.ts, m.text])).toEqual([[reply.ts, 'You said: what is 3+3?']]);
    expect(t.dify.chatRequests().map((r) => r.body['query'])).toEqual(['what is 2+2?', 'what is 3+3?']);
    // A further edit is answered too; the same edit delivered twice (a Slack retry) only once.
    const again = edit(ts, '<@UBOT> what is 3+3?', '<@UBOT> what is 2+2?');
    const stamp = (again.message as { edited: { ts: string } }).edited.ts;
    await t.sendEvent(again);
    await t.sendEvent({ ...again, message: { ...again.message, edited: { user: 'UALICE', ts: stamp } } });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(3);
  });

  it('an edit while the answer streams stops it (Dify is told) and answers the new text in its place', async () => {
    t = await startTestBridge();
    let first = true;
    t.dify.onChat = async ({ req, events, res }) => {
      if (first) {
        first = false;
        await writeSse(res, [...Array.from({ length: 80 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 40);
        return;
      }
      await writeSse(res, [events.message(`Now: ${String(req.body['query'])}`), events.messageEnd()]);
    };
    const { ts } = await t.mention('the long one');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]?.text.startsWith('w0 w1'), 3000, 'streaming');
    await t.sendEvent(edit(ts, '<@UBOT> the short one', '<@UBOT> the long one'));
    await settled(t);
    expect(t.dify.requests.some((r) => r.path.endsWith('/stop'))).toBe(true);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['Now: the short one']);
  });

  it('a deleted question stops its answer and leaves "(question deleted)" in its place', async () => {
    t = await startTestBridge();
    t.dify.onChat = async ({ events, res }) => {
      await writeSse(res, [...Array.from({ length: 80 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 40);
    };
    const { ts } = await t.mention('something I regret');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]?.text.startsWith('w0 w1'), 3000, 'streaming');
    await t.sendEvent({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: 'C1',
      channel_type: 'channel',
      ts: '1790000999.000001',
      deleted_ts: ts,
      event_ts: '1790000999.000001',
    });
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toBe('_(question deleted)_');
    expect(reply!.blocks).toBeUndefined();
    expect(t.dify.requests.some((r) => r.path.endsWith('/stop'))).toBe(true);
  });

  it('ignores what is not a person’s real edit: unfurls (no edited stamp), unchanged text, old questions, the bot’s own messages', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('hello');
    await settled(t);
    await t.sendEvent(edit(ts, '<@UBOT> hello <https://example.com>', '<@UBOT> hello', { edited: false }));
    await t.sendEvent(edit(ts, '<@UBOT> hello', '<@UBOT> hello'));
    const old = `${Math.floor(Date.now() / 1000) - 11 * 60}.000100`;
    await t.sendEvent(edit(old, '<@UBOT> changed', '<@UBOT> before'));
    const answer = t.slack.replies('C1', ts)[0]!;
    await t.sendEvent(edit(answer.ts, 'edited by the bot', 'You said: hello', { user: 'UBOT', threadTs: ts }));
    await t.sendEvent({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: 'C1',
      ts: '1790000999.000002',
      deleted_ts: answer.ts,
      previous_message: { bot_id: 'B1', ts: answer.ts },
    });
    await sleep(100);
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['You said: hello']);
  });
});
