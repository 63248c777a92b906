import { afterEach, describe, expect, it } from 'vitest';
import { tokens, WorkflowEvents, writeSse, slowChat } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const slowAnswer = (b: TestBridge) => slowChat(b.dify, 100);

describe('the Stop button', () => {
  it('stops a streaming answer at once: Dify is told, the read is cut, the message says (stopped)', async () => {
    t = await startTestBridge();
    const dify = slowAnswer(t);
    const { ts } = await t.mention('talk a lot');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.text.startsWith('w0 w1')), 3000, 'streaming');
    const pressed = Date.now();
    await t.press(streaming, 'dify_stop');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toMatch(/^w0 w1 .*\n\n_\(stopped\)_$/s);
    expect(Math.max(...reply!.updatedAt) - pressed).toBeLessThan(2000);
    // The read is aborted; the fake Dify sees its connection close a moment later.
    await t.slack.waitFor(() => dify.closedEarly(), 2000, 'the Dify stream cut short');
    const stop = await t.slack.waitFor(() => t!.dify.requests.find((r) => r.path.endsWith('/stop')), 2000, 'the stop call');
    expect(stop.path).toMatch(/^\/v1\/chat-messages\/[^/]+\/stop$/);
    expect(stop.body['user']).toBe(t.dify.chatRequests()[0]!.body['user']);
    // A stopped answer offers no feedback buttons and no Stop button any more.
    expect(reply!.blocks).toBeUndefined();
  });

  it('only lets the asker stop by default, and tells anyone else why', async () => {
    t = await startTestBridge();
    slowAnswer(t);
    const { ts } = await t.mention('talk a lot');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.text.startsWith('w0')), 3000, 'streaming');
    const { responseId } = await t.press(streaming, 'dify_stop', { user: 'UBOB' });
    await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 2000, 'the ephemeral answer');
    expect(t.slack.responsesTo(responseId)[0]!.body).toMatchObject({ response_type: 'ephemeral', text: 'Only <@UALICE>, who asked, can stop this answer.' });
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toMatch(/w99 $/);
  });

  it('lets anyone stop with STOP_ALLOWED=anyone', async () => {
    t = await startTestBridge({ env: { STOP_ALLOWED: 'anyone' } });
    slowAnswer(t);
    const { ts } = await t.mention('talk a lot');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.text.startsWith('w0')), 3000, 'streaming');
    await t.press(streaming, 'dify_stop', { user: 'UBOB' });
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toMatch(/_\(stopped\)_$/);
  });

  it('stops a running workflow', async () => {
    t = await startTestBridge({ bridgeConfig: { apps: { flow: { type: 'workflow', apiKey: 'app-flow' } } }, env: { DIFY_API_KEY: '' } });
    t.dify.apps.set('app-flow', {
      mode: 'workflow',
      name: 'Flow',
      form: [],
      onRun: (_req, res) => {
        const w = new WorkflowEvents();
        return writeSse(
          res,
          [
            w.started(),
            w.nodeStarted('llm', 'llm', 'LLM', 1),
            ...Array.from({ length: 100 }, (_, i) => w.textChunk(`c${i} `)),
            w.finished('succeeded', { text: 'done' }),
          ],
          50,
        );
      },
    });
    await t.command('flow');
    const running = await t.slack.waitFor(() => t!.slack.replies('C1', undefined).find((m) => m.text.includes('c1')), 3000, 'the run');
    await t.press(running, 'dify_stop');
    await settled(t);
    expect(t.slack.replies('C1', undefined)[0]!.text).toMatch(/_\(stopped\)_$/);
    expect(t.dify.requests.find((r) => r.path.endsWith('/stop'))!.path).toMatch(/^\/v1\/workflows\/tasks\/[^/]+\/stop$/);
  });
});

describe('feedback buttons', () => {
  it("Slack's feedback buttons send the rating to Dify as the thread's user, show the choice, take it back, and ask why on 👎", async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens('A fine answer.').map((d) => events.message(d)), events.messageEnd()]);
    const { ts } = await t.mention('question');
    await settled(t);
    const reply = () => t!.slack.replies('C1', ts)[0]!;
    const feedbacks = () => t!.dify.requests.filter((r) => r.path.endsWith('/feedbacks'));
    const user = t.dify.chatRequests()[0]!.body['user'];

    const controls = reply().blocks!.find((b) => b['block_id'] === 'dify_controls')!;
    expect(controls['type']).toBe('context_actions');
    expect((controls['elements'] as Array<Record<string, unknown>>)[0]!['type']).toBe('feedback_buttons');
    await t.press(reply(), 'dify_feedback', { choice: 'positive' });
    await t.slack.waitFor(() => feedbacks()[0], 2000, 'the like');
    expect(feedbacks()[0]!.body).toEqual({ rating: 'like', user });
    expect(feedbacks()[0]!.path).toMatch(/^\/v1\/messages\/[^/]+\/feedbacks$/);
    await t.slack.waitFor(() => JSON.stringify(reply().blocks).includes('👍 Rated helpful'), 2000, 'the chosen state');
    expect(reply().text).toBe('A fine answer.');

    await t.press(reply(), 'dify_feedback', { choice: 'positive' }); // pressed again: taken back
    await t.slack.waitFor(() => feedbacks()[1], 2000, 'the revoke');
    expect(feedbacks()[1]!.body).toEqual({ rating: null, user });
    await t.slack.waitFor(() => !JSON.stringify(reply().blocks).includes('Rated'), 2000, 'the choice cleared');

    await t.press(reply(), 'dify_feedback', { choice: 'negative' });
    await t.slack.waitFor(() => t!.slack.views[0], 2000, 'the comment box');
    expect(feedbacks()[2]!.body).toEqual({ rating: 'dislike', user });
    await t.submitView({ comment: { value: { type: 'plain_text_input', value: 'It missed the point.' } } });
    await t.slack.waitFor(() => feedbacks()[3], 2000, 'the comment');
    expect(feedbacks()[3]!.body).toEqual({ rating: 'dislike', user, content: 'It missed the point.' });
    expect(JSON.stringify(reply().blocks)).toContain('👎 Rated not helpful');
    expect(reply().blocks!.filter((b) => b['block_id'] === 'dify_rating')).toHaveLength(1);
  });

  it('where Slack refuses its feedback buttons (invalid_blocks), answers carry ordinary ones, and work the same', async () => {
    t = await startTestBridge();
    t.slack.refusedBlockTypes.add('context_actions');
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens('A fine answer.').map((d) => events.message(d)), events.messageEnd()]);
    const first = await t.mention('question');
    await settled(t);
    const reply = () => t!.slack.replies('C1', first.ts)[0]!;
    expect(reply().text).toBe('A fine answer.');
    expect((reply().blocks!.at(-1)!['elements'] as Array<{ action_id: string }>).map((e) => e.action_id)).toEqual([
      'dify_feedback_like',
      'dify_feedback_dislike',
    ]);
    const refused = () => t!.slack.calls.filter((c) => JSON.stringify(c.args['blocks'] ?? '').includes('context_actions')).length;
    expect(refused()).toBe(1);
    await t.press(reply(), 'dify_feedback_like');
    await t.slack.waitFor(() => JSON.stringify(reply().blocks).includes('👍 Helpful'), 2000, 'the chosen state');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/feedbacks'))[0]!.body['rating']).toBe('like');
    // The next answer is posted right the first time.
    const second = await t.mention('another');
    await settled(t);
    expect(t.slack.replies('C1', second.ts)[0]!.text).toBe('A fine answer.');
    expect(refused()).toBe(1);
  });
});
