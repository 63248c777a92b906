import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, TEAM, type TestBridge } from '../support/harness.js';
import { messageAction } from '../support/message-action.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const saveAction = (t: TestBridge, message: Record<string, unknown>, user = 'UALICE') => messageAction(t, 'dify_save_answer', message, { user });

async function bridge(annotationReply: boolean): Promise<TestBridge> {
  const b = await startTestBridge({
    bridgeConfig: { apps: { helpdesk: { type: 'chat', apiKey: 'app-help', annotations: { editors: ['UALICE'] } } }, chat: { default: 'helpdesk' } },
    env: { DIFY_API_KEY: '' },
  });
  b.dify.apps.set('app-help', { mode: 'chat', name: 'Helpdesk', annotationReply });
  return b;
}

describe('"Save as approved answer"', () => {
  it('an editor saves the thread’s question and the answer (edited) as a Dify annotation; the answer says who saved it', async () => {
    t = await bridge(true);
    const { ts } = await t.mention('how do I reset my password?');
    await settled(t);
    const [answer] = t.slack.replies('C1', ts);
    const { payload } = saveAction(t, { ts: answer!.ts, thread_ts: ts, user: 'UBOT', text: answer!.text, blocks: answer!.blocks });
    await t.interact(payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    const blocks = JSON.stringify(t.slack.views[0]!['blocks']);
    expect(blocks).toContain('"initial_value":"how do I reset my password?"');
    expect(blocks).toContain(`"initial_value":${JSON.stringify(answer!.text)}`);
    const done = await t.submitView({
      dify_save_question: { v: { type: 'plain_text_input', value: 'How do I reset my password?' } },
      dify_save_answer: { v: { type: 'plain_text_input', value: 'Go to id.example.com and choose *Forgot password*.' } },
    });
    expect(done.status).toBe(200);
    await settled(t);
    expect(t.dify.annotations).toEqual([
      expect.objectContaining({ key: 'app-help', question: 'How do I reset my password?', answer: 'Go to id.example.com and choose *Forgot password*.' }),
    ]);
    await t.slack.waitFor(() => JSON.stringify(t!.slack.replies('C1', ts)[0]!.blocks).includes('Saved as the approved answer'), 2000, 'the saved line');
    const updated = t.slack.replies('C1', ts)[0]!;
    expect(updated.text).toBe(answer!.text);
    expect(JSON.stringify(updated.blocks)).toContain('✅ Saved as the approved answer by <@UALICE>');
  });

  it('refuses privately: someone who is not an editor, an app with Annotation Reply off, a message that is not an answer', async () => {
    t = await bridge(false);
    const { ts } = await t.mention('hello');
    await settled(t);
    const [answer] = t.slack.replies('C1', ts);
    const answerMessage = { ts: answer!.ts, thread_ts: ts, user: 'UBOT', text: answer!.text };
    const said = async (message: Record<string, unknown>, user?: string) => {
      const a = saveAction(t!, message, user);
      await t!.interact(a.payload);
      await t!.slack.waitFor(() => t!.slack.responsesTo(a.responseId).length === 1, 2000, 'the private line');
      return String(t!.slack.responsesTo(a.responseId)[0]!.body['text']);
    };
    t.slack.users.set('UBOB', { id: 'UBOB', name: 'bob', real_name: 'Bob', team_id: TEAM });
    expect(await said(answerMessage, 'UBOB')).toBe('Only <@UALICE> may save approved answers for `helpdesk`.');
    expect(await said(answerMessage)).toContain('Annotation Reply is off for `helpdesk`');
    expect(await said({ ts, user: 'UALICE', text: 'hello' })).toBe('Use *Save as approved answer* on one of my answers.');
    expect(t.slack.views).toHaveLength(0);
    expect(t.dify.annotations).toHaveLength(0);
  });

  it('keeps the modal open with Dify’s refusal, and an empty field named', async () => {
    t = await bridge(true);
    const { ts } = await t.mention('q?');
    await settled(t);
    const [answer] = t.slack.replies('C1', ts);
    await t.interact(saveAction(t, { ts: answer!.ts, thread_ts: ts, user: 'UBOT', text: answer!.text }).payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    const empty = await t.submitView({
      dify_save_question: { v: { type: 'plain_text_input', value: '' } },
      dify_save_answer: { v: { type: 'plain_text_input', value: 'A' } },
    });
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { dify_save_question: 'The question to answer is needed.' } });
    t.dify.onRequest = (req, res) => {
      if (req.path !== '/v1/apps/annotations') return false;
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'forbidden', message: 'No permission.', status: 403 }));
      return true;
    };
    const refused = await t.submitView({
      dify_save_question: { v: { type: 'plain_text_input', value: 'Q' } },
      dify_save_answer: { v: { type: 'plain_text_input', value: 'A' } },
    });
    expect(JSON.parse(refused.body)).toEqual({
      response_action: 'errors',
      errors: { dify_save_answer: 'Dify did not save the approved answer (forbidden: No permission.).' },
    });
  });
});
