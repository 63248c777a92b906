import { afterEach, describe, expect, it } from 'vitest';
import { writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, TEAM, type TestBridge } from '../support/harness.js';
import { messageAction as action } from '../support/message-action.js';

const messageAction = (t: TestBridge, message: Record<string, unknown>, o?: { channel?: string; user?: string }) => action(t, 'dify_ask', message, o);

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const QUESTION = 'dify_ask_question';

describe('message shortcut "Ask Dify about this"', () => {
  it('opens a modal; the question is posted in the message’s thread and answered with the message quoted before it', async () => {
    t = await startTestBridge();
    t.slack.users.set('UBOB', { id: 'UBOB', name: 'bob', real_name: 'Bob Builder', profile: { display_name: 'Bob' } });
    const message = { ts: '1790002000.000100', user: 'UBOB', text: 'Our Q3 churn went from 2.1% to 3.4%.' };
    const { payload } = messageAction(t, message);
    const res = await t.interact(payload);
    expect(res.status).toBe(200);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    const view = t.slack.views[0]!;
    expect(view['callback_id']).toBe('dify_ask_modal');
    // One chat app here: no choice to make.
    expect(JSON.stringify(view['blocks'])).not.toContain('dify_ask_app');
    const submitted = await t.submitView({ [QUESTION]: { q: { type: 'plain_text_input', value: 'Why might that be?' } } });
    expect(submitted.status).toBe(200);
    await settled(t);
    const replies = t.slack.replies('C1', message.ts);
    expect(replies.map((m) => m.text)).toEqual(['<@UALICE> asked about this message: Why might that be?', expect.stringContaining('You said:')]);
    const query = String(t.dify.requests.find((r) => r.path === '/v1/chat-messages')!.body['query']);
    expect(query).toBe(
      '[The Slack message this question is about, by Bob]\nOur Q3 churn went from 2.1% to 3.4%.\n[End of the message; the question follows]\n\nWhy might that be?',
    );
    // The thread is now the bot's to answer when mentioned (people go on talking there).
    await t.message('interesting', { threadTs: message.ts });
    await settled(t);
    expect(t.dify.requests.filter((r) => r.path === '/v1/chat-messages')).toHaveLength(1);
  });

  it("puts the message in the app's slack_message input when it declares one, and lets the person choose among the apps open to them", async () => {
    t = await startTestBridge({
      bridgeConfig: {
        apps: {
          helpdesk: { type: 'chat', apiKey: 'app-help' },
          analyst: { type: 'chat', apiKey: 'app-analyst' },
          finance: { type: 'chat', apiKey: 'app-fin', access: { users: ['UCAROL'] } },
        },
        chat: { default: 'helpdesk' },
      },
      env: { DIFY_API_KEY: '' },
    });
    t.dify.apps.set('app-help', { mode: 'chat', name: 'Helpdesk' });
    t.dify.apps.set('app-analyst', { mode: 'chat', name: 'Analyst', form: [{ paragraph: { label: 'Message', variable: 'slack_message', required: false } }] });
    t.dify.apps.set('app-fin', { mode: 'chat', name: 'Finance' });
    const message = { ts: '1790002100.000100', thread_ts: '1790002099.000100', user: 'UBOB', text: 'Revenue table attached.' };
    await t.interact(messageAction(t, message).payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    const select = JSON.stringify(t.slack.views[0]!['blocks']);
    // The channel's own app first; finance is not open to Alice.
    expect(select).toContain('"initial_option":{"text":{"type":"plain_text","text":"helpdesk"},"value":"helpdesk"}');
    expect(select).toContain('"value":"analyst"');
    expect(select).not.toContain('finance');
    await t.submitView({
      [QUESTION]: { q: { type: 'plain_text_input', value: 'Summarize it' } },
      dify_ask_app: { app: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'analyst' }, value: 'analyst' } } },
    });
    await settled(t);
    const run = t.dify.requests.find((r) => r.path === '/v1/chat-messages')!;
    expect(run.headers['authorization']).toBe('Bearer app-analyst');
    expect(run.body['query']).toBe('Summarize it');
    expect((run.body['inputs'] as Record<string, unknown>)['slack_message']).toBe('Revenue table attached.');
    // Into the thread the message is in.
    expect(t.slack.replies('C1', '1790002099.000100').map((m) => m.text)[0]).toBe('<@UALICE> asked about a message in this thread: Summarize it');
  });

  it("takes the message's files along to an app that takes files (read with the bot token, uploaded as the thread's user)", async () => {
    t = await startTestBridge({ env: { DIFY_API_KEY: '' }, bridgeConfig: { apps: { docs: { type: 'chat', apiKey: 'app-docs' } } } });
    t.dify.apps.set('app-docs', {
      mode: 'chat',
      name: 'Docs',
      fileUpload: {
        enabled: true,
        allowed_file_types: ['document'],
        allowed_file_extensions: [],
        allowed_file_upload_methods: ['local_file'],
        number_limits: 3,
      },
    });
    const url = t.slack.shareFile('F7', Buffer.from('%PDF-1.7 churn report'), 'application/pdf');
    const message = {
      ts: '1790002050.000100',
      user: 'UBOB',
      text: 'The report.',
      files: [{ id: 'F7', name: 'churn.pdf', mimetype: 'application/pdf', size: 21, url_private_download: url }],
    };
    await t.interact(messageAction(t, message).payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    await t.submitView({ [QUESTION]: { q: { type: 'plain_text_input', value: 'What does it conclude?' } } });
    await settled(t);
    const [req] = t.dify.chatRequests();
    expect(t.dify.uploads).toEqual([expect.objectContaining({ filename: 'churn.pdf', user: req!.body['user'] })]);
    expect(req!.body['files']).toEqual([{ type: 'document', transfer_method: 'local_file', upload_file_id: t.dify.uploads[0]!.id }]);
    expect(t.slack.fileAuth).toEqual([`Bearer ${t.slack.token}`]);
  });

  it('refuses privately: the bot not in the channel (how to invite it), no app open to the person; an empty question stays in the modal', async () => {
    t = await startTestBridge({
      bridgeConfig: { apps: { hr: { type: 'chat', apiKey: 'app-hr', access: { users: ['UCAROL'] } } }, chat: { default: 'hr' } },
      env: { DIFY_API_KEY: '' },
    });
    t.dify.apps.set('app-hr', { mode: 'chat', name: 'HR' });
    t.slack.users.set('UCAROL', { id: 'UCAROL', name: 'carol', real_name: 'Carol Diaz', team_id: TEAM, profile: { display_name: 'Carol' } });
    t.slack.channels.set('C9', { id: 'C9', name: 'random', is_im: false });
    t.slack.notInChannel.add('C9');
    const outside = messageAction(t, { ts: '1790002200.000100', user: 'UBOB', text: 'hello' }, { channel: 'C9' });
    await t.interact(outside.payload);
    await t.slack.waitFor(() => t!.slack.responsesTo(outside.responseId).length === 1, 2000, 'the private line');
    expect(t.slack.responsesTo(outside.responseId)[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('invite me with /invite <@UBOT>'),
    });
    const refused = messageAction(t, { ts: '1790002200.000200', user: 'UBOB', text: 'hello' });
    await t.interact(refused.payload);
    await t.slack.waitFor(() => t!.slack.responsesTo(refused.responseId).length === 1, 2000, 'the refusal');
    expect(String(t.slack.responsesTo(refused.responseId)[0]!.body['text'])).toContain('None of the Dify chat apps here is open to you');
    expect(t.slack.views).toHaveLength(0);
    expect(t.dify.requests.filter((r) => r.path === '/v1/chat-messages')).toHaveLength(0);

    // Carol may: an empty question is answered in the modal itself.
    await t.interact(messageAction(t, { ts: '1790002200.000300', user: 'UBOB', text: 'hello' }, { user: 'UCAROL' }).payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    const empty = await t.submitView({ [QUESTION]: { q: { type: 'plain_text_input', value: '   ' } } }, { user: 'UCAROL' });
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { [QUESTION]: 'Write a question about the message.' } });
  });

  it('shows a Dify error as one line in the thread, after the question', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) =>
      writeSse(
        res,
        [
          events.message('Partial'),
          { event: 'error', task_id: events.taskId, message_id: events.messageId, status: 400, code: 'completion_request_error', message: 'model overloaded' },
        ],
        20,
      );
    const message = { ts: '1790002300.000100', user: 'UBOB', text: 'x' };
    await t.interact(messageAction(t, message).payload);
    await t.slack.waitFor(() => t!.slack.views.length === 1, 2000, 'the modal');
    await t.submitView({ [QUESTION]: { q: { type: 'plain_text_input', value: 'Explain' } } });
    await settled(t);
    const [, answer] = t.slack.replies('C1', message.ts);
    expect(answer!.text).toContain('Partial');
    expect(answer!.text).toContain('completion_request_error');
  });
});

describe('message shortcut "Summarize thread"', () => {
  it('sends the thread so far to the configured app in a run of its own, posts the summary in the thread, and leaves the thread’s conversation alone', async () => {
    t = await startTestBridge({
      bridgeConfig: {
        apps: { helpdesk: { type: 'chat', apiKey: 'app-help' }, summarizer: { type: 'chat', apiKey: 'app-sum' } },
        chat: { default: 'helpdesk' },
        shortcuts: { summarize: 'summarizer' },
      },
      env: { DIFY_API_KEY: '' },
    });
    t.dify.apps.set('app-help', { mode: 'chat', name: 'Helpdesk' });
    t.dify.apps.set('app-sum', { mode: 'chat', name: 'Summarizer' });
    const { ts: root } = await t.mention('the VPN drops every hour');
    await settled(t);
    await t.message('same for me since Monday', { threadTs: root, user: 'UBOB' });
    await settled(t);
    const before = t.dify.requests.filter((r) => r.path === '/v1/chat-messages');
    const conversation = before.at(-1)!.body['conversation_id'] ?? [...t.dify.conversations.keys()][0];

    const { payload } = messageAction(t, { ts: '1790002400.000100', thread_ts: root, user: 'UBOB', text: 'same for me since Monday' });
    await t.interact({ ...payload, callback_id: 'dify_summarize' });
    await settled(t);
    const run = t.dify.requests.filter((r) => r.path === '/v1/chat-messages').at(-1)!;
    expect(run.headers['authorization']).toBe('Bearer app-sum');
    expect(run.body['conversation_id'] ?? '').toBe('');
    const query = String(run.body['query']);
    expect(query.startsWith('[Earlier messages in this Slack thread, for context]\n')).toBe(true);
    expect(query).toContain('the VPN drops every hour');
    expect(query).toContain('same for me since Monday');
    expect(query.endsWith('Summarize this Slack thread: the main points, what was decided, and what is still open.')).toBe(true);
    expect(t.slack.replies('C1', root).at(-1)!.text).toContain('You said:');

    // The thread still talks to its own app and conversation.
    await t.message('any news?', { threadTs: root });
    await settled(t);
    const after = t.dify.requests.filter((r) => r.path === '/v1/chat-messages').at(-1)!;
    expect(after.headers['authorization']).toBe('Bearer app-help');
    expect(after.body['conversation_id']).toBe(conversation);
  });

  it('says privately when the message has no thread to summarize', async () => {
    t = await startTestBridge({ bridgeConfig: { apps: { s: { type: 'chat', apiKey: 'app-s' } }, shortcuts: { summarize: 's' } }, env: { DIFY_API_KEY: '' } });
    t.dify.apps.set('app-s', { mode: 'chat', name: 'S' });
    const action = messageAction(t, { ts: '1790002500.000100', user: 'UBOB', text: 'lonely' });
    await t.interact({ ...action.payload, callback_id: 'dify_summarize' });
    await t.slack.waitFor(() => t!.slack.responsesTo(action.responseId).length === 1, 2000, 'the private line');
    expect(String(t.slack.responsesTo(action.responseId)[0]!.body['text'])).toContain('has no thread yet');
    expect(t.dify.requests.filter((r) => r.path === '/v1/chat-messages')).toHaveLength(0);
  });
});
