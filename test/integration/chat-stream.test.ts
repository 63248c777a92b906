import { afterEach, describe, expect, it } from 'vitest';
import { sleep, tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Removes the fence lines the splitter adds at page boundaries, to compare with the original. */
function joinPages(pages: string[]): string {
  return pages
    .map((p, i) => {
      let text = p;
      if (i > 0) text = text.replace(/^```[^\n]*\n/, (m) => (pages[i - 1]!.endsWith('\n```') ? '' : m));
      if (i < pages.length - 1 && /\n```$/.test(text) && pages[i + 1]!.startsWith('```')) text = text.replace(/\n```$/, '');
      return text;
    })
    .join('');
}

describe('streaming policy', () => {
  it('posts the first text at once, then edits no more than once per interval, ending with the exact answer', async () => {
    t = await startTestBridge({ env: { STREAM_INTERVAL_MS: '250' } });
    const answer = 'word '.repeat(120).trim();
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, 5).map((d) => events.message(d)), events.messageEnd()], 10);
    const { ts } = await t.mention('go');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toBe(answer);
    // First text, not a placeholder, posted as soon as the first tokens arrived (well before
    // the ~25 tokens an interval holds; exactly one token unless the machine is busy).
    expect(answer.startsWith(reply!.history[0]!.trim())).toBe(true);
    expect(reply!.history[0]!.length).toBeLessThan(30);
    const times = [reply!.postedAt, ...reply!.updatedAt];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(200); // 250 ms, less loopback jitter on a busy machine
    // ~1.2 s of tokens at 250 ms per edit: coalesced into a handful of edits, not 120.
    expect(reply!.updatedAt.length).toBeLessThan(12);
    expect(reply!.updatedAt.length).toBeGreaterThan(1);
  });

  it('shows a thinking placeholder when no token comes quickly, then replaces it', async () => {
    t = await startTestBridge();
    t.dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write('event: ping\n\n');
      await sleep(700);
      await writeSse(res, [events.message('Finally.'), events.messageEnd()]);
    };
    const { ts } = await t.mention('think hard');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.history[0]).toBe('_Thinking…_');
    expect(reply!.text).toBe('Finally.');
  });

  it('shows the running tool as a status line, then the answer with a sources footer', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [
          events.agentThought('current_time', ''),
          'ping',
          events.agentThought('current_time', '{"current_time": "12:00"}'),
          events.agentMessage('It is '),
          events.agentMessage('noon.'),
          events.messageEnd([{ document_name: 'Clock FAQ' }, { document_name: 'Clock FAQ' }, { document_name: 'Time zones' }]),
        ],
        150,
      );
    const { ts } = await t.mention('what time is it?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.history).toContain('_Using current_time…_');
    expect(reply!.text).toBe('It is noon.');
    // The small print goes under the answer as context lines: sources once each, then the tools used.
    const context = (reply!.blocks ?? []).filter((b) => b['type'] === 'context').map((b) => JSON.stringify(b['elements']));
    expect(context[0]).toContain('📚 *Sources:* 1. Clock FAQ (Docs) · 2. Time zones (Docs)');
    expect(context[1]).toContain('🛠 Used: current_time');
  });

  it('replaces the text on message_replace (output moderation)', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [events.message('My SSN is '), events.message('123-45-6789'), events.messageReplace('Your content violates our usage policy.'), events.messageEnd()],
        120,
      );
    const { ts } = await t.mention('leak it');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('Your content violates our usage policy.');
  });

  it('keeps the partial answer and adds a short error line when Dify fails mid-stream', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [events.message('Here is the start:\n\n'), events.message('```py\nprint(1)'), events.error('completion_request_error', '[openai] Rate Limit Error')],
        50,
      );
    const { ts } = await t.mention('fail please');
    await settled(t);
    const text = t.slack.replies('C1', ts)[0]!.text;
    expect(text).toBe('Here is the start:\n\n```py\nprint(1)\n```\n\n⚠️ Dify error (completion_request_error): [openai] Rate Limit Error');
  });

  it('says so clearly when the stream ends without message_end', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message('half an answ')]);
    const { ts } = await t.mention('cut me off');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe(
      "half an answ\n\n⚠️ Couldn't reach Dify: The Dify stream ended before the answer was complete. Please try again in a moment.",
    );
  });

  it('reports an HTTP error from Dify in the thread', async () => {
    t = await startTestBridge({ env: { DIFY_API_KEY: 'app-wrong-key' } });
    const { ts } = await t.mention('hello');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('⚠️ Dify error (unauthorized): Access token is invalid');
  });

  it('handles a chatflow: message_end, then workflow_finished', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [events.nodeStarted('llm', 'Draft reply'), events.message('Chatflow '), events.message('answer'), events.messageEnd(), events.workflowFinished()],
        60,
      );
    const { ts } = await t.mention('flow');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toBe('Chatflow answer');
    expect(reply!.history).toContain('_Running Draft reply…_');
  });

  it('splits a 20,000-character answer over several messages, losing and repeating nothing', async () => {
    t = await startTestBridge();
    const para = (i: number) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(12)}`.trim();
    let answer = '';
    for (let i = 0; answer.length < 20_000; i++) answer += (i ? '\n\n' : '') + (i % 9 === 4 ? '```js\n' + 'const v = 1;\n'.repeat(60) + '```' : para(i));
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, 400).map((d) => events.message(d)), events.messageEnd()], 2);
    const { ts } = await t.mention('essay');
    await settled(t);
    const replies = t.slack.replies('C1', ts);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    for (const r of replies) expect(r.text.length).toBeLessThanOrEqual(12_000);
    expect(joinPages(replies.map((r) => r.text))).toBe(answer);
    // Pages end at paragraph or line breaks, never inside a word.
    for (const r of replies.slice(0, -1)) expect(r.text).toMatch(/(\n|```)$/);
  });

  it('splits into smaller messages when Slack says msg_too_long', async () => {
    t = await startTestBridge();
    t.slack.markdownLimit = 4000;
    const answer = Array.from({ length: 40 }, (_, i) => `Line ${i} ${'x'.repeat(200)}`).join('\n');
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message(answer), events.messageEnd()]);
    const { ts } = await t.mention('long lines');
    await settled(t);
    const replies = t.slack.replies('C1', ts);
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(replies.map((r) => r.text).join('')).toBe(answer);
  });

  it('waits out a 429 on chat.update (Retry-After) and still lands the final edit', async () => {
    t = await startTestBridge();
    let limited = 0;
    t.slack.interceptors.push((call) => {
      if (call.method === 'chat.update' && limited < 2) {
        limited++;
        return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
      }
      return undefined;
    });
    const answer = 'one two three four five six seven eight nine ten';
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, 4).map((d) => events.message(d)), events.messageEnd()], 40);
    const { ts } = await t.mention('count');
    await settled(t);
    expect(limited).toBe(2);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe(answer);
    // After each 429 the next edit waited at least the Retry-After second.
    const updates = t.slack.callsTo('chat.update');
    const first429 = updates[0]!.at;
    expect(updates[1]!.at - first429).toBeGreaterThanOrEqual(950);
  });

  it("STREAM_MODE=off reads Dify's stream and makes one post", async () => {
    t = await startTestBridge({ env: { STREAM_MODE: 'off' } });
    const { ts } = await t.mention('blocking please');
    await settled(t);
    // Streaming under the hood: Dify Cloud cuts blocking requests after about 100 s, Agent apps only stream.
    expect(t.dify.chatRequests()[0]!.body['response_mode']).toBe('streaming');
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['You said: blocking please']);
    expect(t.slack.callsTo('chat.update')).toHaveLength(0);
  });
});
