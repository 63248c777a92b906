import { describe, expect, it } from 'vitest';
import { parseDifyEvent } from '../../src/dify/events.js';
import { describeApprovers, mayAnswer } from '../../src/core/runs/approvers.js';
import { chatModel } from '../../src/core/runs/answer-models.js';
import { emptyTrack, pauseMarkdown, reduceHumanInput, resumeTrack, TIMEOUT_LINE, withNotes } from '../../src/core/streaming/human-input-state.js';
import { emptyAnswer, reduceAnswer } from '../../src/core/streaming/answer-state.js';

const formData = {
  form_id: 'f1',
  node_id: 'n1',
  node_title: 'Approve refund',
  form_content: 'Refund **$120**?',
  inputs: [
    { type: 'paragraph', output_variable_name: 'comment', default: null },
    { type: 'select', output_variable_name: 'reason', option_source: { type: 'constant', selector: [], value: ['damaged', 'late'] } },
    { type: 'file-list', output_variable_name: 'photos', allowed_file_types: ['image'], number_limits: 3 },
    { type: 'text_input', output_variable_name: 'old_style' },
  ],
  actions: [
    { id: 'approve', title: 'Approve', button_style: 'primary' },
    { id: 'reject', title: 'Reject', button_style: 'ghost' },
    { id: 'nuke', title: 'Delete', button_style: 'danger' },
  ],
  display_in_ui: true,
  form_token: 'tok',
  resolved_default_values: { comment: 'ok' },
  expiration_time: 1790035200,
};
const ev = (json: Record<string, unknown>) => parseDifyEvent({ workflow_run_id: 'run-1', task_id: 't', ...json });

describe('the Human Input track', () => {
  it('reads a form from human_input_required: fields, actions with Slack styles, defaults, deadline', () => {
    const track = reduceHumanInput(emptyTrack(), ev({ event: 'human_input_required', data: formData }), 0);
    expect(track.runId).toBe('run-1');
    expect(track.forms).toEqual([
      {
        token: 'tok',
        nodeId: 'n1',
        node: 'Approve refund',
        content: 'Refund **$120**?',
        fields: [
          { name: 'comment', type: 'paragraph' },
          { name: 'reason', type: 'select', options: ['damaged', 'late'] },
          { name: 'photos', type: 'file-list', fileTypes: ['image'], maxFiles: 3 },
          { name: 'old_style', type: 'text' },
        ],
        actions: [
          { id: 'approve', title: 'Approve', style: 'primary' },
          { id: 'reject', title: 'Reject' },
          { id: 'nuke', title: 'Delete', style: 'danger' },
        ],
        defaults: { comment: 'ok' },
        expiresAt: 1790035200,
      },
    ]);
    expect(track.paused).toBe(false);
    const paused = reduceHumanInput(
      track,
      ev({ event: 'workflow_paused', data: { workflow_run_id: 'run-1', reasons: [{ TYPE: 'human_input_required', ...formData }] } }),
      0,
    );
    expect(paused.paused).toBe(true);
    expect(paused.pauses).toBe(1);
    // The reason names the same form: not a second one.
    expect(paused.forms).toHaveLength(1);
  });

  it('fills an empty human_input_required (langgenius/dify#35504) from workflow_paused reasons', () => {
    let track = reduceHumanInput(emptyTrack(), ev({ event: 'human_input_required', data: {} }), 0);
    expect(track.forms).toHaveLength(1);
    track = reduceHumanInput(track, ev({ event: 'workflow_paused', data: { reasons: [{ TYPE: 'human_input_required', ...formData }] } }), 0);
    expect(track.forms).toHaveLength(1);
    expect(track.forms[0]).toMatchObject({ token: 'tok', node: 'Approve refund', content: 'Refund **$120**?' });
  });

  it('an email-only form (no token) says where the answer comes from; an undescribed one says Dify did not describe it', () => {
    const email = reduceHumanInput(emptyTrack(), ev({ event: 'human_input_required', data: { ...formData, form_token: null } }), 0);
    expect(pauseMarkdown(email)).toBe('⏸ Waiting for an answer by email (step *Approve refund*).');
    const none = reduceHumanInput(
      reduceHumanInput(emptyTrack(), ev({ event: 'human_input_required', data: {} }), 0),
      ev({ event: 'workflow_paused', data: {} }),
      0,
    );
    expect(pauseMarkdown(none)).toMatch(/did not describe/);
  });

  it('notes a form answered outside Slack and a timeout, but not one the bridge already noted', () => {
    let track = resumeTrack(emptyTrack(), { text: '✅ *Approve* — chosen by <@U1>', node: 'n1' }, 5);
    track = reduceHumanInput(track, ev({ event: 'human_input_form_filled', data: { node_id: 'n1', node_title: 'Approve refund', action_text: 'Approve' } }), 9);
    expect(track.notes).toHaveLength(1);
    track = reduceHumanInput(track, ev({ event: 'human_input_form_filled', data: { node_id: 'n2', node_title: 'Check', action_text: 'OK' } }), 9);
    track = reduceHumanInput(track, ev({ event: 'human_input_form_timeout', data: { node_id: 'n3', node_title: 'Late', expiration_time: 1 } }), 12);
    expect(track.notes.map((n) => n.text)).toEqual(['✅ *Approve* — chosen by <@U1>', '✅ *OK* — Check', TIMEOUT_LINE]);
  });

  it('puts notes at their place in the text, each a paragraph of its own', () => {
    expect(withNotes('Before.\n\nAfter.', [{ at: 7, text: '✅ Approved' }])).toBe('Before.\n\n✅ Approved\n\nAfter.');
    expect(withNotes('Before.', [{ at: 7, text: '✅ Approved' }])).toBe('Before.\n\n✅ Approved');
    expect(
      withNotes('', [
        { at: 0, text: 'A' },
        { at: 0, text: 'B' },
      ]),
    ).toBe('A\n\nB');
    expect(withNotes('Text', [])).toBe('Text');
  });

  it('a chat answer resumed after Dify lost the Answer text (langgenius/dify#38432) takes it from the outputs', () => {
    const model = chatModel({});
    let state = reduceAnswer(emptyAnswer(), ev({ event: 'message', conversation_id: 'c', message_id: 'm', answer: 'Draft.', from_variable_selector: null }));
    state = model.resume!(state, { text: '✅ ok' });
    state = reduceAnswer(state, ev({ event: 'workflow_finished', data: { id: 'run-1', status: 'succeeded', outputs: { answer: 'Draft. Approved.' } } }));
    expect(state.text).toBe('Draft.\n\n Approved.');
    // Confirming with the run record adds what a re-attach missed, keeps what continues, replaces what does not.
    const base = { ...emptyAnswer(), text: 'Part one.' };
    expect(model.confirm!(base, { id: 'r', status: 'succeeded', outputs: { answer: 'Part one. Part two.' } }).state.text).toBe('Part one. Part two.');
    expect(model.confirm!(base, { id: 'r', status: 'succeeded', outputs: JSON.stringify({ answer: 'Part one.' }) }).state.text).toBe('Part one.');
    expect(
      model.confirm!({ ...base, text: 'Part three.' }, { id: 'r', status: 'succeeded', outputs: { answer: 'Part one. Part two. Part three.' } }).state.text,
    ).toBe('Part one. Part two. Part three.');
    expect(model.confirm!(base, { id: 'r', status: 'failed', error: 'boom' }).failure).toBe('⚠️ The workflow failed: boom');
    expect(model.confirm!(base, { id: 'r', status: 'running' }).state).toBe(base);
  });
});

describe('approvers', () => {
  const groups = async (g: string) => (g === 'S1' ? ['UG'] : g === '@oncall' ? ['UO'] : undefined);
  it('the asker by default, anyone, listed people, members of listed groups; an unreadable group lets nobody in', async () => {
    expect(await mayAnswer('asker', 'UA', 'UA', groups)).toBe(true);
    expect(await mayAnswer('asker', 'UA', 'UB', groups)).toBe(false);
    expect(await mayAnswer('anyone', 'UA', 'UB', groups)).toBe(true);
    expect(await mayAnswer(['UB'], 'UA', 'UB', groups)).toBe(true);
    expect(await mayAnswer(['UB'], 'UA', 'UA', groups)).toBe(false);
    expect(await mayAnswer(['S1', '@oncall'], 'UA', 'UG', groups)).toBe(true);
    expect(await mayAnswer(['S1', '@oncall'], 'UA', 'UO', groups)).toBe(true);
    expect(await mayAnswer(['S9'], 'UA', 'UG', groups)).toBe(false);
    expect(await mayAnswer(['S1'], 'UA', 'UG', () => Promise.reject(new Error('plan_upgrade_required')))).toBe(false);
  });
  it('says who may answer in Slack mrkdwn', () => {
    expect(describeApprovers('asker', 'UA')).toBe('<@UA>');
    expect(describeApprovers('anyone', 'UA')).toBe('anyone who can see this');
    expect(describeApprovers(['UB', 'S1', '@oncall'], 'UA')).toBe('<@UB>, <!subteam^S1> or *@oncall*');
  });
});
