import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge;
beforeEach(async () => {
  t = await startTestBridge();
});
afterEach(async () => {
  await t.close();
});

describe('a mention in a channel', () => {
  it('acks at once and streams the answer into the thread under the mention', async () => {
    const answer = '## Plan\n\nHere is **bold** text and `code`.\n\n- one\n- two\n\n```ts\nconst x = 1;\n```\n\nDone.';
    t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, 5).map((d) => events.message(d)), events.messageEnd()], 15);
    const { ts } = await t.mention('what is the plan?');
    await settled(t);
    const replies = t.slack.replies('C1', ts);
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.text).toBe(answer);
    // It was edited while streaming, and never showed raw unclosed markers.
    expect(reply.history.length).toBeGreaterThan(2);
    for (const shown of reply.history) {
      expect((shown.match(/```/g) ?? []).length % 2).toBe(0);
      expect((shown.replace(/```[\s\S]*?```/g, '').match(/\*\*/g) ?? []).length % 2).toBe(0);
    }
    // Markdown goes out in a markdown block (Slack renders it), with a Stop button while streaming.
    const post = t.slack.callsTo('chat.postMessage')[0]!;
    const blocks = post.args['blocks'] as Array<Record<string, any>>;
    expect(blocks[0]!['type']).toBe('markdown');
    expect((blocks[1]!['elements'] as unknown[])[0]).toMatchObject({ action_id: 'dify_stop', text: { text: '■ Stop' } });
    expect(post.args['thread_ts']).toBe(ts);
    // The final message has the feedback buttons instead.
    expect(reply.blocks!.at(-1)).toMatchObject({ type: 'context_actions', elements: [{ type: 'feedback_buttons', action_id: 'dify_feedback' }] });
    expect(t.dify.chatRequests()[0]!.body).toMatchObject({ query: 'what is the plan?', response_mode: 'streaming', conversation_id: '' });
  });
});
