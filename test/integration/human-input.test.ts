import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalFlow, approveForm } from '../support/human-input-flow.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0)) c();
});

type Msg = { channel: string; ts: string; text: string; blocks?: Array<Record<string, unknown>> };
const buttons = (m: Msg | undefined) =>
  (m?.blocks ?? []).flatMap((b) => (b['type'] === 'actions' ? (b['elements'] as Array<Record<string, unknown>>) : [])).map((e) => String(e['action_id']));
const contextText = (m: Msg | undefined) =>
  (m?.blocks ?? [])
    .filter((b) => b['type'] === 'context')
    .flatMap((b) => (b['elements'] as Array<{ text?: string }>).map((e) => e.text ?? ''))
    .join('\n');
/** The form button for an action, by its title. */
const formButton = (m: Msg, title: string) => {
  for (const b of m.blocks ?? []) {
    if (b['type'] !== 'actions') continue;
    const el = (b['elements'] as Array<Record<string, unknown>>).find((e) => (e['text'] as { text: string }).text === title);
    if (el) return String(el['action_id']);
  }
  throw new Error(`no ${title} button`);
};

async function paused(b: TestBridge, ts: string): Promise<Msg> {
  return b.slack.waitFor(() => b.slack.replies('C1', ts).find((m) => m.text.includes('waiting for an answer') && buttons(m).length > 0), 5000, 'the form');
}

describe('Human Input in a thread (chatflow)', () => {
  it('shows the form under what streamed, the asker approves, and the rest streams into the same message', async () => {
    t = await startTestBridge();
    const flow = ApprovalFlow.chatflow(t.dify, {
      before: 'Order 8812 qualifies for a refund.',
      forms: [approveForm()],
      after: ([a]) => ` Refund ${a!.action}d.`,
    });
    const { ts } = await t.mention('refund order 8812');
    const form = await paused(t, ts);
    await settled(t);
    // What streamed so far, then the form: its Markdown, one button per action (primary styled), who and until when.
    expect(form.text).toContain('Order 8812 qualifies for a refund.');
    expect(form.text).toContain('⏸ **Approve refund** · waiting for an answer');
    expect(form.text).toContain('Refund **$120** for order 8812?');
    const actions = (form.blocks ?? []).find((b) => b['type'] === 'actions')!['elements'] as Array<Record<string, unknown>>;
    expect(actions.map((e) => (e['text'] as { text: string }).text)).toEqual(['Approve', 'Reject']);
    expect(actions[0]!['style']).toBe('primary');
    expect(actions[1]!['style']).toBeUndefined();
    expect(contextText(form)).toMatch(/Who can answer: <@UALICE> · answer by <!date\^\d+\^\{date_short_pretty\} at \{time\}\|.+ UTC>/);
    // No Stop while it waits, and the run is recorded as paused.
    expect(buttons(form)).not.toContain('dify_stop');
    expect(t.logs.find((l) => l['msg'] === 'Dify run finished')).toMatchObject({ outcome: 'paused' });

    await t.press(form, formButton(form, 'Approve'));
    const done = await t.slack.waitFor(
      () => t!.slack.replies('C1', ts).find((m) => m.ts === form.ts && m.text.includes('Refund approved.')),
      5000,
      'the resumed answer in the same message',
    );
    await settled(t);
    const final = t.slack.replies('C1', ts).find((m) => m.ts === form.ts)!;
    expect(t.slack.replies('C1', ts).filter((m) => m.text)).toHaveLength(1);
    expect(final.text).toMatch(
      /^Order 8812 qualifies for a refund\.\n\n✅ \*Approve\* — chosen by <@UALICE> at <!date\^\d+\^\{time\}\|\d\d:\d\d UTC>\n\n Refund approved\.$/,
    );
    expect(done.ts).toBe(form.ts);
    // Same final buttons as any answer: feedback (no form buttons left).
    expect(buttons(final).some((id) => id.startsWith('dify_form'))).toBe(false);
    // Dify got the submit with the run's user, and was followed with the same user.
    const submit = t.dify.requests.find((r) => r.method === 'POST' && r.path.startsWith('/v1/form/human_input/'))!;
    const run = flow.runs[0]!;
    expect(submit.body).toEqual({ inputs: {}, action: 'approve', user: run.user });
    expect(run.follows[0]!.get('user')).toBe(run.user);
    // Confirmed with the run record before the final render.
    expect(t.dify.requests.some((r) => r.path === `/v1/workflows/run/${run.runId}`)).toBe(true);
  });

  it('refuses anyone but the asker, privately, and sends nothing to Dify', async () => {
    t = await startTestBridge();
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Done.' });
    const { ts } = await t.mention('refund');
    const form = await paused(t, ts);
    const { responseId } = await t.press(form, formButton(form, 'Approve'), { user: 'UBOB' });
    const said = await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the refusal');
    expect(said.body).toMatchObject({ response_type: 'ephemeral', text: 'Only <@UALICE> can answer this form.' });
    expect(t.dify.requests.some((r) => r.path.startsWith('/v1/form/'))).toBe(false);
    expect(t.slack.replies('C1', ts)[0]!.text).toContain('waiting for an answer');
  });

  it('a double press sends one answer to Dify and one resumed answer to Slack', async () => {
    t = await startTestBridge();
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Once.' });
    const { ts } = await t.mention('refund');
    const form = structuredClone(await paused(t, ts));
    const presses = await Promise.all([t.press(form, formButton(form, 'Approve')), t.press(form, formButton(form, 'Approve'))]);
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' Once.'), 5000, 'the answer');
    await settled(t);
    expect(t.dify.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/form/'))).toHaveLength(1);
    const said = presses.flatMap((p) => t!.slack.responsesTo(p.responseId).map((r) => (r.body as { text: string }).text));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^(Someone is answering this form right now\.|This form was already answered, or the run has moved on\.)$/);
    expect(t.slack.replies('C1', ts).filter((m) => m.text)).toHaveLength(1);
    expect(t.slack.replies('C1', ts)[0]!.text.match(/✅/g)).toHaveLength(1);
  });

  it('lets the approvers of BRIDGE_CONFIG answer: a listed person, a user group by handle', async () => {
    t = await startTestBridge({
      bridgeConfig: { apps: { default: { type: 'chat', apiKey: 'app-test-key', humanInput: { approvers: ['UCAROL', '@finance'] } } } },
      env: { DIFY_API_KEY: '' },
    });
    t.slack.userGroups.set('S0FIN', { handle: 'finance', users: ['UDAVE'] });
    // The scope npm run manifest asks for when a configuration names a group.
    t.slack.grantedScopes.push('usergroups:read');
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Paid.' });
    const { ts } = await t.mention('refund');
    const form = await paused(t, ts);
    expect(contextText(form)).toContain('Who can answer: <@UCAROL> or *@finance*');
    // The asker is not an approver here.
    const { responseId } = await t.press(form, formButton(form, 'Approve'));
    expect((await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the refusal')).body).toMatchObject({
      text: 'Only <@UCAROL> or *@finance* can answer this form.',
    });
    await t.press(form, formButton(form, 'Approve'), { user: 'UDAVE' });
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' Paid.'), 5000, 'the answer after a group member approved');
    expect(t.slack.replies('C1', ts)[0]!.text).toContain('chosen by <@UDAVE>');
    await settled(t);
  });

  it('opens a modal for a form with inputs (defaults filled in), shows Dify’s refusal in it, then goes on', async () => {
    t = await startTestBridge();
    const form = approveForm({
      inputs: [
        { type: 'paragraph', output_variable_name: 'comment', default: { type: 'constant', selector: [], value: '' } },
        { type: 'select', output_variable_name: 'reason', option_source: { type: 'constant', selector: [], value: ['damaged', 'late', 'other'] } },
      ],
      resolved_default_values: { comment: 'Looks fine' },
    });
    ApprovalFlow.chatflow(t.dify, {
      before: 'Draft.',
      forms: [form],
      after: ([a]) => ` Reason: ${String(a!.inputs['reason'])}, note: ${String(a!.inputs['comment'])}.`,
    });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    await t.press(msg, formButton(msg, 'Approve'));
    const view = await t.slack.waitFor(() => t!.slack.views.at(-1), 3000, 'the modal');
    expect(view['callback_id']).toBe('dify_human_input');
    expect((view['submit'] as { text: string }).text).toBe('Approve');
    const blocks = view['blocks'] as Array<Record<string, unknown>>;
    const comment = blocks.find((b) => b['block_id'] === 'comment')!;
    expect((comment['element'] as Record<string, unknown>)['initial_value']).toBe('Looks fine');
    const reason = blocks.find((b) => b['block_id'] === 'reason')!;
    expect((reason['element'] as { options: Array<{ value: string }> }).options.map((o) => o.value)).toEqual(['damaged', 'late', 'other']);
    // Slack itself asks for a required select; a missing one is refused by the bridge's check too.
    const missing = await t.submitView({ comment: { value: { type: 'plain_text_input', value: 'ok' } } });
    expect(JSON.parse(missing.body)).toEqual({ response_action: 'errors', errors: { reason: 'This is required.' } });
    // Dify refuses the submit once: the error lands in the modal, the form stays open.
    let refusals = 1;
    t.dify.onRequest = (req, res) => {
      if (req.method !== 'POST' || !req.path.startsWith('/v1/form/') || refusals-- <= 0) return false;
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'invalid_form_data', message: 'Missing required inputs: reason', status: 400 }));
      return true;
    };
    const values = {
      comment: { value: { type: 'plain_text_input', value: 'Box crushed' } },
      reason: { value: { type: 'static_select', selected_option: { value: 'damaged' } } },
    };
    const rejected = await t.submitView(values);
    expect(JSON.parse(rejected.body)).toEqual({ response_action: 'errors', errors: { reason: 'Required.' } });
    expect(t.slack.replies('C1', ts)[0]!.text).toContain('waiting for an answer');
    const accepted = await t.submitView(values);
    expect(accepted.body).toBe('');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Reason: damaged, note: Box crushed.'), 5000, 'the answer with the inputs');
    await settled(t);
  });

  it('a form asking for files takes them in its modal, uploads them as the run’s Dify user, and submits their mappings', async () => {
    t = await startTestBridge();
    const form = approveForm({
      inputs: [
        {
          type: 'file',
          output_variable_name: 'receipt',
          allowed_file_types: ['document'],
          allowed_file_extensions: [],
          allowed_file_upload_methods: ['local_file'],
        },
        {
          type: 'file-list',
          output_variable_name: 'photos',
          allowed_file_types: ['image'],
          allowed_file_extensions: [],
          allowed_file_upload_methods: ['local_file'],
          number_limits: 3,
        },
      ],
    });
    const flow = ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [form], after: () => ' Files received.' });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    await t.press(msg, formButton(msg, 'Approve'));
    const view = await t.slack.waitFor(() => t!.slack.views.at(-1), 3000, 'the modal');
    const blocks = view['blocks'] as Array<{ block_id: string; element: Record<string, unknown> }>;
    expect(blocks.find((b) => b.block_id === 'receipt')!.element).toMatchObject({ type: 'file_input', max_files: 1 });
    expect(blocks.find((b) => b.block_id === 'photos')!.element).toMatchObject({ type: 'file_input', max_files: 3 });
    const receipt = t.slack.shareFile('F_R', Buffer.from('%PDF-1.4 receipt'), 'application/pdf');
    const photo = t.slack.shareFile('F_P', Buffer.from('png-bytes'), 'image/png');
    const done = await t.submitView({
      receipt: {
        value: { type: 'file_input', files: [{ id: 'F_R', name: 'receipt.pdf', mimetype: 'application/pdf', size: 16, url_private_download: receipt }] },
      },
      photos: { value: { type: 'file_input', files: [{ id: 'F_P', name: 'box.png', mimetype: 'image/png', size: 9, url_private_download: photo }] } },
    });
    expect(done.body).toBe('');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' Files received.'), 5000, 'the answer');
    await settled(t);
    const run = flow.runs[0]!;
    expect(t.dify.uploads.map((u) => [u.filename, u.user])).toEqual([
      ['receipt.pdf', run.user],
      ['box.png', run.user],
    ]);
    const submit = t.dify.requests.find((r) => r.method === 'POST' && r.path.startsWith('/v1/form/'))!;
    expect(submit.body['inputs']).toEqual({
      receipt: { transfer_method: 'local_file', upload_file_id: t.dify.uploads[0]!.id, type: 'document' },
      photos: [{ transfer_method: 'local_file', upload_file_id: t.dify.uploads[1]!.id, type: 'image' }],
    });
  });

  it('says so when the form expired or was answered elsewhere, and finishes the answer from Dify', async () => {
    t = await startTestBridge();
    const flow = ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Closed elsewhere.' });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    // Someone answered in Dify's own UI meanwhile: Dify says 412 submitted.
    const token = flow.runs[0]!.tokens[0]!;
    t.dify.forms.get(token)!.submitted = { inputs: {}, action: 'reject', user: 'web' };
    flow.answerOutside(flow.runs[0]!, [{ action: 'reject', inputs: {} }]);
    const { responseId } = await t.press(msg, formButton(msg, 'Approve'));
    expect((await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the line')).body).toMatchObject({
      text: 'This form was already answered (in Dify, or by someone else).',
    });
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Closed elsewhere.'), 5000, 'the answer finished from Dify');
    await settled(t);
    expect(buttons(t.slack.replies('C1', ts)[0]).some((id) => id.startsWith('dify_form'))).toBe(false);
  });

  it('takes the answer from the run’s outputs when the resumed stream loses it (langgenius/dify#38432)', async () => {
    t = await startTestBridge();
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' From the outputs.', loseAnswer: true });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    await t.press(msg, formButton(msg, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' From the outputs.'), 5000, 'the answer from outputs');
    await settled(t);
  });

  it('reads the form from workflow_paused when human_input_required came empty (langgenius/dify#35504)', async () => {
    t = await startTestBridge();
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Fine.', delivery: 'empty' });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    expect(msg.text).toContain('Refund **$120** for order 8812?');
    await t.press(msg, formButton(msg, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' Fine.'), 5000, 'the answer');
    await settled(t);
  });

  it('a press after the deadline says the form expired; the message follows the run down its timeout branch', async () => {
    t = await startTestBridge({ env: { RUN_LEASE_MS: '1000' } });
    // Long enough to be shown with its buttons on a loaded machine, short enough to wait out.
    const deadline = Math.floor(Date.now() / 1000) + 3;
    const flow = ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm({ expiration_time: deadline })], after: () => ' Refunded by default.' });
    const { ts } = await t.mention('refund');
    const msg = structuredClone(await paused(t, ts));
    await new Promise((r) => setTimeout(r, Math.max(0, deadline * 1000 - Date.now()) + 200));
    // Dify took the node's timeout branch and finished the run.
    flow.answerOutside(flow.runs[0]!, []);
    const { responseId } = await t.press(msg, formButton(msg, 'Approve'));
    expect((await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the line')).body).toMatchObject({
      text: expect.stringMatching(/^This form expired at <!date\^\d+\^\{time\}\|\d\d:\d\d UTC>; the workflow goes on without it\.$/),
    });
    expect(t.dify.requests.some((r) => r.method === 'POST' && r.path.startsWith('/v1/form/'))).toBe(false);
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Refunded by default.'), 8000, 'the answer after the timeout');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe(
      'Draft.\n\n⏱ No answer before the deadline — the workflow continued with its timeout branch.\n\n Refunded by default.',
    );
  });

  it('a resumed answer longer than a message goes on in continuation messages, exact, nothing twice', async () => {
    t = await startTestBridge();
    const tail = Array.from({ length: 900 }, (_, i) => `Line ${i} of the long report after the approval.`).join('\n');
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => `\n\n${tail}`, delayMs: 1 });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    await t.press(msg, formButton(msg, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts).at(-1)!.text.endsWith('Line 899 of the long report after the approval.'), 15_000, 'the long tail');
    await settled(t);
    const pages = t.slack.replies('C1', ts).filter((m) => m.text);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.ts).toBe(msg.ts);
    const joined = pages.map((p) => p.text).join('\n');
    for (const i of [0, 1, 450, 898, 899]) expect(joined.split(`Line ${i} of`).length - 1).toBe(1);
  });

  it('handles two pauses in a row in the same message', async () => {
    t = await startTestBridge();
    ApprovalFlow.chatflow(t.dify, {
      before: 'Draft.',
      forms: [approveForm(), approveForm({ node: 'Final check', form_content: 'Send the money?' })],
      after: (answers) => ` ${answers.map((a) => a.action).join(' then ')}.`,
    });
    const { ts } = await t.mention('refund');
    // As the person saw it then (the fake updates its messages in place).
    const first = structuredClone(await paused(t, ts));
    await t.press(first, formButton(first, 'Approve'));
    const second = await t.slack.waitFor(
      () => t!.slack.replies('C1', ts).find((m) => m.text.includes('**Final check**') && buttons(m).length > 0),
      5000,
      'the second form',
    );
    expect(second.ts).toBe(first.ts);
    expect(second.text).toContain('✅ *Approve* — chosen by <@UALICE>');
    // The first form's button cannot answer the second form.
    const { responseId } = await t.press(first, formButton(first, 'Reject'));
    expect((await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the line')).body).toMatchObject({
      text: 'This form was already answered, or the run has moved on.',
    });
    await t.press(second, formButton(second, 'Reject'));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith(' approve then reject.'), 5000, 'the end');
    await settled(t);
    const text = t.slack.replies('C1', ts)[0]!.text;
    expect(text.match(/✅/g)).toHaveLength(2);
    expect(text).toContain('Step 1 done.');
  });

  it('waits for an email-delivered form and finishes the answer when the run goes on', async () => {
    t = await startTestBridge({ env: { RUN_LEASE_MS: '1000' } });
    const flow = ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Approved by email.', delivery: 'email' });
    const { ts } = await t.mention('refund');
    const msg = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.text.includes('Waiting for an answer by email')), 5000, 'the email line');
    expect(msg.text).toContain('⏸ Waiting for an answer by email (step *Approve refund*).');
    expect(buttons(msg)).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    flow.answerOutside(flow.runs[0]!, [{ action: 'approve', inputs: {} }]);
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Approved by email.'), 8000, 'the answer after the email');
    await settled(t);
    expect(t.dify.requests.filter((r) => r.path === `/v1/workflows/run/${flow.runs[0]!.runId}`).length).toBeGreaterThanOrEqual(1);
  });
});

describe("Slack's side of a long run (agent sessions)", () => {
  it('an agent DM thread: the session is suspended while the form waits, processing on resume, active at the end', async () => {
    t = await startTestBridge();
    t.slack.nativeStreaming = true;
    ApprovalFlow.chatflow(t.dify, { before: 'A draft streamed natively.', forms: [approveForm()], after: () => ' Done.', startDelayMs: 60 });
    const root = '1790000300.000100';
    await t.message('refund', { channel: 'D1', channelType: 'im', ts: '1790000300.000200', threadTs: root });
    const form = await t.slack.waitFor(
      () => t!.slack.replies('D1', root).find((m) => (m.blocks ?? []).some((b) => b['block_id'] === 'dify_form_0')),
      5000,
      'the form in the DM thread',
    );
    await settled(t);
    // The native stream ends with the session suspended, not done.
    expect(t.slack.callsTo('chat.stopStream').at(-1)!.args).toMatchObject({ session_status: 'suspended' });
    expect(t.slack.sessions.get(`D1:${root}`)).toEqual(['processing', 'suspended']);
    await t.press(form, formButton(form, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('D1', root).find((m) => m.ts === form.ts && m.text.endsWith(' Done.')), 5000, 'the resumed answer');
    await settled(t);
    expect(t.slack.sessions.get(`D1:${root}`)).toEqual(['processing', 'suspended', 'processing', 'active']);
  });

  it('an app that is not an agent carries on without sessions, and asks Slack only once per workspace', async () => {
    t = await startTestBridge();
    t.slack.agentApp = false;
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm(), approveForm({ node: 'Again' })], after: () => ' Done.' });
    const root = '1790000400.000100';
    await t.message('refund', { channel: 'D1', channelType: 'im', ts: '1790000400.000200', threadTs: root });
    const form = structuredClone(
      await t.slack.waitFor(() => t!.slack.replies('D1', root).find((m) => (m.blocks ?? []).some((b) => b['block_id'] === 'dify_form_0')), 5000, 'form'),
    );
    await t.press(form, formButton(form, 'Approve'));
    const second = await t.slack.waitFor(() => t!.slack.replies('D1', root).find((m) => m.text.includes('**Again**') && buttons(m).length > 0), 5000, 'form 2');
    await t.press(second, formButton(second, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('D1', root)[0]!.text.endsWith(' Done.'), 5000, 'the end');
    await settled(t);
    expect(t.slack.callsTo('agents.sessions.setStatus')).toHaveLength(1);
    expect(t.logs.filter((l) => String(l['msg']).startsWith('Slack has no agent sessions'))).toHaveLength(1);
  });
});

describe('Human Input that outlives the process', () => {
  it('a press after a restart (SQLite) answers the form and resumes into the same message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hi-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    t = await startTestBridge({ env: { STORE_URL: `sqlite:${join(dir, 'bridge.db')}` } });
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Approved after a restart.' });
    const { ts } = await t.mention('refund');
    const msg = await paused(t, ts);
    await settled(t);
    await t.restart();
    await t.press(msg, formButton(msg, 'Approve'));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Approved after a restart.'), 5000, 'the resumed answer');
    await settled(t);
    expect(t.slack.replies('C1', ts).filter((m) => m.text)).toHaveLength(1);
  });
});

describe('Human Input from /dify (workflow)', () => {
  it('a workflow run pauses, is approved, and its result replaces the form in the same message', async () => {
    t = await startTestBridge({ bridgeConfig: { apps: { refunds: { type: 'workflow', apiKey: 'app-refunds' } } }, env: { DIFY_API_KEY: '' } });
    const flow = ApprovalFlow.workflow(t.dify, 'app-refunds', {
      before: 'Checking order…',
      forms: [approveForm()],
      after: ([a]) => `Refund 8812 ${a!.action}d.`,
    });
    t.dify.apps.set('app-refunds', {
      mode: 'workflow',
      name: 'Refunds',
      form: [{ 'text-input': { variable: 'order', label: 'Order', required: true } }],
      onRun: flow.onRun,
    });
    await t.command('refunds 8812');
    const msg = await t.slack.waitFor(() => t!.slack.messages.find((m) => m.text.includes('waiting for an answer') && buttons(m).length > 0), 5000, 'the form');
    expect(msg.text).toMatch(/^\*\*refunds\*\* · for <@UALICE> · 8812/);
    await t.press(msg, formButton(msg, 'Approve'));
    await t.slack.waitFor(() => t!.slack.messages.find((m) => m.ts === msg.ts && m.text.includes('Refund 8812 approved.')), 5000, 'the result');
    await settled(t);
    const final = t.slack.messages.find((m) => m.ts === msg.ts)!;
    expect(final.text).toContain('✅ *Approve* — chosen by <@UALICE>');
    expect(final.text).not.toContain('waiting for an answer');
    expect(t.logs.filter((l) => l['msg'] === 'Dify run finished').map((l) => l['outcome'])).toEqual(['paused', 'succeeded']);
  });
});
