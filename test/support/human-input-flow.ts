import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { writeSse, type DifyRequest, type FakeDify, type FakeForm } from './fake-dify.js';

/** A form of the scripted run, as Dify shows it (GET /v1/form/human_input/{token}). */
export type FormSpec = Omit<FakeForm, 'key' | 'runId' | 'submitted'> & { node?: string };

export const approveForm = (over: Partial<FormSpec> = {}): FormSpec => ({
  node: 'Approve refund',
  form_content: 'Refund **$120** for order 8812?',
  inputs: [],
  resolved_default_values: {},
  user_actions: [
    { id: 'approve', title: 'Approve', button_style: 'primary' },
    { id: 'reject', title: 'Reject', button_style: 'default' },
  ],
  expiration_time: Math.floor(Date.now() / 1000) + 3600,
  ...over,
});

export interface ApprovalScript {
  /** What streams before the first pause. */
  before: string;
  /** The forms, one pause each, in order. */
  forms: FormSpec[];
  /** What streams after the last form is answered, from the answers given. */
  after(answers: Array<{ action: string; inputs: Record<string, unknown> }>): string;
  /** webapp (a token), email (form_token null), empty (human_input_required with empty data, langgenius/dify#35504). */
  delivery?: 'webapp' | 'email' | 'empty';
  /** The resumed stream streams no Answer text; only the run's outputs hold it (langgenius/dify#38432). */
  loseAnswer?: boolean;
  /** Milliseconds between resumed events (a long tail). */
  delayMs?: number;
  /** Milliseconds between the first stream's events. */
  startDelayMs?: number;
}

export interface ScriptedRun {
  runId: string;
  user: string;
  tokens: string[];
  /** Streams of the run's events opened, with their query. */
  follows: URLSearchParams[];
}

/**
 * A Human Input run in the fake Dify, event for event as Dify streams it (§11.6 of the protocol
 * notes): a chatflow (chat envelope) or a workflow (workflow envelope) that pauses at each form,
 * and resumes on GET /v1/workflow/{id}/events once the form is submitted.
 */
export class ApprovalFlow {
  readonly runs: ScriptedRun[] = [];

  constructor(
    private readonly dify: FakeDify,
    private readonly key: string,
    private readonly kind: 'chat' | 'workflow',
    private readonly script: ApprovalScript,
  ) {}

  /** Installs the script as the chat app's handler (chatflow), or returns the workflow app's onRun. */
  static chatflow(dify: FakeDify, script: ApprovalScript): ApprovalFlow {
    dify.chatMode = 'advanced-chat';
    const flow = new ApprovalFlow(dify, dify.apiKey, 'chat', script);
    dify.onChat = ({ req, res, conversationId }) => flow.start(req, res, conversationId);
    return flow;
  }

  static workflow(dify: FakeDify, key: string, script: ApprovalScript): ApprovalFlow {
    return new ApprovalFlow(dify, key, 'workflow', script);
  }

  /** The workflow app's onRun. */
  readonly onRun = (req: DifyRequest, res: ServerResponse): Promise<void> => this.start(req, res);

  private envelope(run: ScriptedRun, conversationId: string | undefined, messageId: string, taskId: string) {
    return (event: string, rest: Record<string, unknown>) =>
      this.kind === 'chat'
        ? { event, conversation_id: conversationId, message_id: messageId, created_at: 1789905600, task_id: taskId, workflow_run_id: run.runId, ...rest }
        : { event, workflow_run_id: run.runId, task_id: taskId, ...rest };
  }

  private textEvents(ev: ReturnType<ApprovalFlow['envelope']>, messageId: string, text: string): unknown[] {
    // Small deltas, as an LLM streams; a long text in bigger ones (the test is about its length).
    const parts = text.match(text.length > 2000 ? /.{1,400}/gs : /.{1,6}/gs) ?? [];
    return parts.map((p) =>
      this.kind === 'chat'
        ? ev('message', { id: messageId, answer: p, from_variable_selector: ['answer', 'answer'] })
        : ev('text_chunk', { data: { text: p } }),
    );
  }

  private formData(form: FormSpec, token: string | null) {
    const data = {
      form_id: randomUUID(),
      node_id: `node-${form.node ?? 'hi'}`,
      node_title: form.node ?? 'Human Input',
      form_content: form.form_content,
      inputs: form.inputs,
      actions: form.user_actions,
      display_in_ui: true,
      form_token: token,
      resolved_default_values: form.resolved_default_values,
      expiration_time: form.expiration_time,
    };
    return data;
  }

  /** human_input_required then workflow_paused (whose reasons repeat the form), as Dify ends a stream at a pause. */
  private pausedAt(run: ScriptedRun, ev: ReturnType<ApprovalFlow['envelope']>, data: ReturnType<ApprovalFlow['formData']>, emptyEvent: boolean): unknown[] {
    return [
      ev('human_input_required', { data: emptyEvent ? {} : data }),
      ev('workflow_paused', {
        data: {
          workflow_run_id: run.runId,
          paused_nodes: [data.node_id],
          outputs: {},
          reasons: [{ TYPE: 'human_input_required', ...data }],
          status: 'paused',
          created_at: 1,
          elapsed_time: 1.5,
          total_tokens: 10,
          total_steps: 3,
        },
      }),
    ];
  }

  /** The events that announce pause `i` (and registers its form). */
  private pauseEvents(run: ScriptedRun, i: number, ev: ReturnType<ApprovalFlow['envelope']>): unknown[] {
    const form = this.script.forms[i]!;
    const delivery = this.script.delivery ?? 'webapp';
    let token: string | null = null;
    if (delivery !== 'email') {
      const { node: _n, ...visible } = form;
      token = this.dify.pause(this.key, { runId: run.runId, user: run.user, form: visible, onEvents: (res, q) => this.follow(run, res, q) });
      run.tokens.push(token);
    } else {
      this.dify.workflowRuns.set(run.runId, { key: this.key, user: run.user, status: 'paused', outputs: {}, onEvents: (res, q) => this.follow(run, res, q) });
    }
    const data = this.formData(form, token);
    return [
      ev('node_started', {
        data: { id: `exec-${i}`, node_id: data.node_id, node_type: 'human-input', title: data.node_title, index: 3 + i, inputs: {}, created_at: 1 },
      }),
      ...this.pausedAt(run, ev, data, delivery === 'empty'),
    ];
  }

  private async start(req: DifyRequest, res: ServerResponse, conversationId?: string): Promise<void> {
    const run: ScriptedRun = { runId: randomUUID(), user: String(req.body['user']), tokens: [], follows: [] };
    this.runs.push(run);
    const messageId = randomUUID();
    const taskId = randomUUID();
    (run as ScriptedRun & { ids?: unknown }).ids = { conversationId, messageId, taskId };
    const ev = this.envelope(run, conversationId, messageId, taskId);
    await writeSse(
      res,
      [
        'ping',
        ev('workflow_started', { data: { id: run.runId, workflow_id: 'wf-1', inputs: {}, created_at: 1, reason: 'initial' } }),
        ...this.textEvents(ev, messageId, this.script.before),
        ...this.pauseEvents(run, 0, ev),
      ],
      this.script.startDelayMs ?? 0,
    );
  }

  /** GET /v1/workflow/{id}/events: a snapshot of a paused run, or the live events once its form is answered. */
  private async follow(run: ScriptedRun, res: ServerResponse, query: URLSearchParams): Promise<void> {
    run.follows.push(query);
    const { conversationId, messageId, taskId } = (run as ScriptedRun & { ids: { conversationId?: string; messageId: string; taskId: string } }).ids;
    const ev = this.envelope(run, conversationId, messageId, taskId);
    const stored = this.dify.workflowRuns.get(run.runId)!;
    const pause = run.tokens.length - 1;
    const token = run.tokens[pause];
    const snapshot = query.get('include_state_snapshot') === 'true';
    if (snapshot && stored.status === 'paused') {
      const i = Math.max(pause, 0);
      const form = this.script.forms[i]!;
      const data = this.formData(form, token ?? null);
      await writeSse(res, [
        'ping',
        ev('workflow_started', { data: { id: run.runId, workflow_id: 'wf-1', inputs: {}, created_at: 1, reason: 'initial' } }),
        ...this.pausedAt(run, ev, data, false),
      ]);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('event: ping\n\n');
    if (token) await Promise.race([this.dify.whenSubmitted(token), new Promise((r) => res.once('close', r))]);
    if (res.destroyed) return;
    const answers = run.tokens.map((t) => this.dify.forms.get(t)?.submitted).filter((s) => s !== undefined);
    const last = answers.at(-1);
    const form = this.script.forms[pause];
    const events: unknown[] = [ev('workflow_started', { data: { id: run.runId, workflow_id: 'wf-1', inputs: {}, created_at: 1, reason: 'resumption' } })];
    if (last && form) {
      const action = form.user_actions.find((a) => a.id === last.action);
      events.push(
        ev('human_input_form_filled', {
          data: {
            node_id: `node-${form.node ?? 'hi'}`,
            node_title: form.node ?? 'Human Input',
            rendered_content: form.form_content,
            action_id: last.action,
            action_text: action?.title ?? last.action,
            submitted_data: last.inputs,
          },
        }),
      );
    }
    if (pause + 1 < this.script.forms.length && (this.script.delivery ?? 'webapp') !== 'email') {
      await writeSse(res, [...events, ...this.textEvents(ev, messageId, `\n\nStep ${pause + 1} done.`), ...this.pauseEvents(run, pause + 1, ev)]);
      return;
    }
    const after = this.script.after(answers.map((a) => ({ action: a.action, inputs: a.inputs })));
    // Dify's answer output is every Answer node's text, the steps between pauses included.
    const between = this.script.forms
      .slice(1)
      .map((_, i) => `\n\nStep ${i + 1} done.`)
      .join('');
    const outputs =
      this.kind === 'chat' ? { answer: this.script.before + ((this.script.delivery ?? 'webapp') !== 'email' ? between : '') + after } : { result: after };
    stored.status = 'succeeded';
    stored.outputs = outputs;
    const tail = [
      ...(this.script.loseAnswer ? [] : this.textEvents(ev, messageId, after)),
      ...(this.kind === 'chat' ? [ev('message_end', { id: messageId, metadata: { usage: { total_tokens: 30 } }, files: null })] : []),
      ev('workflow_finished', {
        data: {
          id: run.runId,
          workflow_id: 'wf-1',
          status: 'succeeded',
          outputs,
          error: null,
          elapsed_time: 3.2,
          total_tokens: 42,
          total_steps: 5,
          created_at: 1,
          finished_at: 2,
          files: [],
        },
      }),
    ];
    await writeSse(res, [...events, ...tail], this.script.delayMs ?? 0);
  }

  /** The email recipient answered (outside Slack): the run goes on and finishes. */
  answerOutside(run: ScriptedRun, answers: Array<{ action: string; inputs: Record<string, unknown> }>): void {
    const stored = this.dify.workflowRuns.get(run.runId)!;
    const after = this.script.after(answers);
    stored.status = 'succeeded';
    stored.outputs = this.kind === 'chat' ? { answer: this.script.before + after } : { result: after };
  }
}
