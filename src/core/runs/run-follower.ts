import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Approvers } from '../../config/types.js';
import { DifyError } from '../../dify/errors.js';
import type { DifyEventStream } from '../../dify/stream.js';
import type { Store } from '../../store/store.js';
import { difyFileType } from '../apps/file-policy.js';
import { describeError } from '../log-fields.js';
import { slackDate } from '../slack-date.js';
import type { AnswerPlace, AnswerSink, FormControl, IncomingFile, RunSurface, Sealer, SessionStatus, SlackDirectory, StepCompleter } from '../ports.js';
import type { AnswerState } from '../streaming/answer-state.js';
import { TIMEOUT_LINE, type HumanInputTrack, type PauseField, type PendingForm } from '../streaming/human-input-state.js';
import { runFiles, type RunHeader } from '../streaming/run-view.js';
import type { WorkflowState } from '../streaming/workflow-state.js';
import { describeApprovers, mayAnswer } from './approvers.js';
import { chatModel, workflowModel } from './answer-models.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import { runPipeline, type AnswerModel, type RunContinuation, type RunOptions, type RunServices } from './pipeline.js';
import { followClaimKey, RunRecords, type RunRecord } from './run-record.js';
import { RunTracker } from './run-tracker.js';
import { NOWHERE_TO_ASK, quietUntilAsked } from '../steps/quiet-sink.js';
import { stepResult } from '../steps/step-io.js';

export interface RunFollowerDeps extends RunServices {
  store: Store;
  surface: RunSurface;
  directory: Pick<SlackDirectory, 'groupMembers'>;
  /** Who may answer an app's forms (BRIDGE_CONFIG `humanInput.approvers`; default the asker). */
  approvers(appId: string): Approvers;
  /** Who may use which app where (absent: everyone); approvers must pass it too. */
  policy?: AccessPolicy;
  /** How long a process's hold on a run lasts without renewal (RUN_LEASE_MS). */
  leaseMs: number;
  /** Where its runs are tracked (the bridge's active-runs gauge reads it); a new one when absent. */
  tracker?: RunTracker;
  /** Ends the Workflow Builder steps whose runs end here. */
  steps?: StepCompleter;
  /** Seals the Human Input form tokens in run records (each answers its form in Dify, as anyone). */
  sealer?: Sealer;
}

/** Where a workflow-backed run shows its answer and for whom: what its record needs besides the state. */
export type RunPlace = Omit<RunRecord, 'v' | 'runId' | 'status' | 'state' | 'savedAt' | 'messages'>;

/** A press of one of a form's buttons. */
export interface FormPress {
  teamId: string;
  userId: string;
  runId: string;
  pause: number;
  index: number;
  actionId: string;
}

/** What a form's modal shows (a form with inputs is answered in a modal). */
export interface FormToFill {
  press: FormPress;
  node: string;
  actionTitle: string;
  content: string;
  fields: PauseField[];
  defaults: Record<string, string>;
}

export type PressResult =
  | { kind: 'refused'; markdown: string }
  | { kind: 'modal'; form: FormToFill }
  | { kind: 'submitted' }
  /** Dify refused the values: per field where it names them. */
  | { kind: 'rejected'; markdown: string; fields: Record<string, string> };

/** A claim on a finished run stays this long, so a late re-attach does not post it again. */
const DONE_HOLD_MS = 15 * 60_000;
/** A live run's record is saved again at most this often (its text so far, for a restart). */
const SAVE_EVERY_MS = 5_000;
/** Polling a run that waits on a form Slack cannot answer (email), from this interval up to the cap. */
const POLL_FIRST_MS = 2_000;
const POLL_MAX_MS = 60_000;

const now = () => Date.now();
const slackTime = (unixSeconds: number) => slackDate(unixSeconds, 'time');

/** Forms a person can still answer from Slack: delivered to the WebApp (a token), not past their deadline, not answered. */
const answerable = (track: HumanInputTrack, at = now()) =>
  track.forms.filter((f) => f.token !== undefined && !(f.expiresAt !== undefined && f.expiresAt * 1000 < at));

/**
 * The life of workflow-backed runs past their first stream: their durable record, a pause's
 * buttons, a person's answer (on any replica, after any restart), the resumed stream into the
 * same answer, and re-attaching when a stream breaks or the process that followed it died.
 * Exactly one process follows a run at a time (the store's claim `follow:<run>`, renewed by
 * one timer for all runs held).
 */
export class RunFollower {
  readonly runs: RunTracker;
  private readonly records: RunRecords;
  private readonly owner = `${process.pid}-${randomUUID()}`;
  /** Runs this process follows (their claims are renewed). */
  private readonly held = new Set<string>();
  private renewTimer?: NodeJS.Timeout;
  private scanTimer?: NodeJS.Timeout;
  private closed = false;
  /** Aborted at close(): runs only waiting (polling a pause answered outside Slack) are handed over at once. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: RunFollowerDeps) {
    this.runs = deps.tracker ?? new RunTracker();
    this.records = new RunRecords(deps.store, (key, problem) => deps.logger.warn({ key, problem }, 'skipping an unreadable run record'), deps.sealer);
  }

  /** Re-attaches to runs nobody follows (now, and every half lease): a restart's and dead replicas' runs. */
  start(): void {
    this.renewTimer = setInterval(() => this.renew(), Math.max(200, Math.floor(this.deps.leaseMs / 3)));
    this.renewTimer.unref();
    this.scanTimer = setInterval(() => void this.scan(), Math.max(500, Math.floor(this.deps.leaseMs / 2)));
    this.scanTimer.unref();
    void this.scan();
  }

  /** Stops taking over runs; runs under way are handed over by the pipeline's shutdown path. */
  close(): void {
    this.closed = true;
    this.closing.abort();
    clearInterval(this.renewTimer);
    clearInterval(this.scanTimer);
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private renew(): void {
    for (const runId of this.held) {
      void this.deps.store
        .renewClaim(followClaimKey(runId), this.owner, this.deps.leaseMs)
        .then((ok) => {
          if (!ok) this.deps.logger.warn({ run: runId }, 'lost the hold on a workflow run (another process follows it now)');
        })
        .catch(() => undefined);
    }
  }

  private async hold(runId: string): Promise<boolean> {
    if (this.held.has(runId)) return true;
    if (!(await this.deps.store.claim(followClaimKey(runId), this.owner, this.deps.leaseMs))) return false;
    this.held.add(runId);
    return true;
  }

  /** Lets another process (or a later press) take the run at once. */
  private async release(runId: string): Promise<void> {
    this.held.delete(runId);
    await this.deps.store.renewClaim(followClaimKey(runId), this.owner, 1).catch(() => undefined);
  }

  private async done(runId: string): Promise<void> {
    this.held.delete(runId);
    await this.deps.store.finishClaim(followClaimKey(runId), this.owner, DONE_HOLD_MS).catch(() => undefined);
  }

  /**
   * The part of a first run's pipeline that makes it durable: its record from the moment Dify
   * names the workflow run, the pause, the hand-over at shutdown.
   */
  continuation<S extends { hi: HumanInputTrack }>(place: RunPlace, from?: RunRecord): RunContinuation<S> {
    const { dify, logger } = this.deps;
    let record: RunRecord | undefined = from;
    let savedAt = 0;
    let savedMessages: readonly string[] = [];
    /** The run is left for a press or another process once shown (paused, handed over). */
    let leaving = false;
    const save = async (state: S, sink: AnswerSink, status: RunRecord['status']) => {
      const runId = state.hi.runId ?? record?.runId;
      if (!runId) return;
      const messages = sink.messages?.() ?? record?.messages ?? [];
      record = { ...place, ...(record ?? {}), v: 1, runId, status, state: state, messages, savedAt: now() };
      savedAt = now();
      savedMessages = messages;
      await this.records.save(record);
    };
    const first = async (runId: string, state: S, sink: AnswerSink) => {
      if (!(await this.hold(runId))) logger.warn({ run: runId }, 'another process already follows this workflow run');
      await save(state, sink, 'live');
      if (place.session === true) void this.session({ ...place, messages: [] }, 'processing');
    };
    return {
      // Called per event, so a promise only when there is a write.
      onState: (state, sink) => {
        const runId = state.hi.runId;
        if (!runId) return undefined;
        if (!record) return first(runId, state, sink);
        // A page posted, or the periodic save, is what is worth a write.
        const messages = sink.messages?.() ?? savedMessages;
        return !sameList(messages, savedMessages) || now() - savedAt >= SAVE_EVERY_MS ? save(state, sink, 'live') : undefined;
      },
      onPause: async (state, sink) => {
        await save(state, sink, 'paused');
        const rec = record;
        if (!rec) return [];
        leaving = true;
        if (rec.session) await this.session(rec, 'suspended');
        return this.controls(rec, state.hi);
      },
      // The run is left (paused, handed over) only once its record names the messages that show it.
      shown: async (sink) => {
        const messages = sink.messages?.() ?? [];
        if (!record) return;
        if (!sameList(messages, record.messages)) {
          record = { ...record, messages, savedAt: now() };
          savedMessages = messages;
          await this.records.save(record);
        }
        if (!leaving) return;
        await this.release(record.runId);
        // A form Slack cannot answer (email, or Dify sent none): the run is polled until it goes on.
        if (record.status === 'paused' && answerable(record.state.hi).length === 0) setTimeout(() => void this.scan(), 10).unref();
      },
      reattach: (runId, signal) => dify.workflowEvents(place.appId, runId, { user: place.difyUser, includeStateSnapshot: true, signal }),
      runRecord: (runId) => dify.workflowRun(place.appId, runId),
      handOver: async (state, sink) => {
        if (!record && !state.hi.runId) return false;
        await save(state, sink, 'live');
        leaving = true;
        logger.info({ run: record!.runId }, 'shutting down: the workflow run is left for the next process to re-attach');
        return true;
      },
      onEnd: async (state, failure) => {
        const step = record?.step ?? place.step;
        if (step && place.kind === 'workflow') {
          const result = stepResult(state as unknown as WorkflowState, failure, step.outputs);
          await this.deps.steps?.finish(step.completion, step.executionId, result);
        }
        const runId = state.hi.runId ?? record?.runId;
        if (!runId) return;
        await this.records.delete(runId);
        await this.done(runId);
        if (record?.session) await this.session(record, 'active');
      },
    };
  }

  /** A run the bridge gives up following (a step's pause with nobody to ask): its record goes. */
  async abandon(runId: string): Promise<void> {
    await this.records.delete(runId).catch(() => undefined);
    await this.done(runId);
  }

  /** The buttons of a pause's forms that can be answered from Slack. */
  private controls(rec: RunRecord, track: HumanInputTrack): FormControl[] {
    const who = describeApprovers(this.deps.approvers(rec.appId), rec.askerId);
    return track.forms.flatMap((f, index) =>
      answerable(track).includes(f)
        ? [
            {
              runId: rec.runId,
              pause: track.pauses,
              index,
              node: f.node,
              actions: f.actions,
              ...(f.expiresAt !== undefined ? { expiresAt: f.expiresAt } : {}),
              approvers: who,
            },
          ]
        : [],
    );
  }

  private place(rec: Pick<RunRecord, 'teamId' | 'channelId' | 'threadTs' | 'messages' | 'persona'>): AnswerPlace {
    return {
      teamId: rec.teamId,
      channelId: rec.channelId,
      ...(rec.threadTs ? { threadTs: rec.threadTs } : {}),
      messages: rec.messages,
      ...(rec.persona ? { persona: rec.persona } : {}),
    };
  }

  private async session(rec: Pick<RunRecord, 'teamId' | 'channelId' | 'threadTs' | 'messages'>, status: SessionStatus): Promise<void> {
    await this.deps.surface.sessionStatus?.(this.place(rec), status).catch(() => undefined);
  }

  /** A form button was pressed: refused, a modal to fill in, or answered (the run goes on in the background). */
  async press(p: FormPress): Promise<PressResult> {
    const found = await this.pending(p);
    if ('refused' in found) return { kind: 'refused', markdown: found.refused };
    const { form } = found;
    const action = form.actions.find((a) => a.id === p.actionId)!;
    if (form.fields.length > 0) {
      return {
        kind: 'modal',
        form: { press: p, node: form.node, actionTitle: action.title, content: form.content, fields: form.fields, defaults: form.defaults },
      };
    }
    return this.answer(p, {}, {});
  }

  /** The form that a press answers, after every check (who, which pause, the deadline); or why not. */
  private async pending(p: FormPress): Promise<{ rec: RunRecord; form: PendingForm } | { refused: string }> {
    const rec = await this.records.get(p.runId).catch(() => undefined);
    const track = rec?.state.hi;
    if (!rec || rec.teamId !== p.teamId || rec.status !== 'paused' || track?.pauses !== p.pause) {
      return { refused: 'This form was already answered, or the run has moved on.' };
    }
    const form = rec.state.hi.forms[p.index];
    if (!form?.token || !form.actions.some((a) => a.id === p.actionId)) return { refused: 'This form was already answered, or the run has moved on.' };
    if (form.expiresAt !== undefined && form.expiresAt * 1000 < now()) {
      setTimeout(() => void this.scan(), 10).unref();
      return { refused: `This form expired at ${slackTime(form.expiresAt)}; the workflow goes on without it.` };
    }
    const refusal = await this.deps.policy?.decide({
      teamId: rec.teamId,
      channelId: rec.channelId,
      userId: p.userId,
      appId: rec.appId,
      surface: 'human-input',
    });
    if (refusal) return { refused: refusal.markdown };
    const approvers = this.deps.approvers(rec.appId);
    if (!(await mayAnswer(approvers, rec.askerId, p.userId, (g) => this.deps.directory.groupMembers?.(rec.teamId, g) ?? Promise.resolve(undefined)))) {
      return { refused: `Only ${describeApprovers(approvers, rec.askerId)} can answer this form.` };
    }
    return { rec, form };
  }

  /**
   * Answers a form (from a button, or its modal): uploads files with the run's Dify user,
   * subscribes to the run's events, then submits, so nothing the resumed run streams is missed.
   */
  async answer(p: FormPress, values: Record<string, string>, files: Record<string, IncomingFile[]>): Promise<PressResult> {
    const found = await this.pending(p);
    if ('refused' in found) return { kind: 'refused', markdown: found.refused };
    const { rec, form } = found;
    const { dify, logger } = this.deps;
    // Held here too means a second press (a double click) while the first is on its way to Dify.
    if (this.held.has(rec.runId) || !(await this.hold(rec.runId))) return { kind: 'refused', markdown: 'Someone is answering this form right now.' };
    const inputs: Record<string, unknown> = {};
    let stream: DifyEventStream | undefined;
    try {
      for (const field of form.fields) {
        if (field.type === 'file' || field.type === 'file-list') {
          const mappings = [];
          for (const file of files[field.name] ?? []) {
            const { id } = await dify.uploadFile(rec.appId, { data: file.data, filename: file.filename, mimeType: file.mimeType, user: rec.difyUser });
            mappings.push({ transfer_method: 'local_file', upload_file_id: id, type: difyFileType(file.mimeType) });
          }
          inputs[field.name] = field.type === 'file' ? (mappings[0] ?? null) : mappings;
        } else {
          // Dify wants every input as a key, answered or not.
          inputs[field.name] = values[field.name] ?? '';
        }
      }
      stream = await dify.workflowEvents(rec.appId, rec.runId, { user: rec.difyUser });
      await dify.humanInput.submit(rec.appId, form.token!, { inputs, action: p.actionId, user: rec.difyUser });
    } catch (err) {
      stream?.abort();
      return this.refusedSubmit(rec, form, err);
    }
    const action = form.actions.find((a) => a.id === p.actionId)!;
    const note = {
      text: `✅ *${action.title}* — chosen by <@${p.userId}> at ${slackTime(Math.floor(now() / 1000))}`,
      ...(form.nodeId ? { node: form.nodeId } : {}),
    };
    logger.info({ run: rec.runId, app: rec.appId, action: p.actionId, user: p.userId }, 'Human Input form answered');
    // The run goes on: were this process to die now, another one re-attaches to it.
    await this.records.save({ ...rec, status: 'live', savedAt: now() }).catch(() => undefined);
    const opened = stream;
    void this.runs.track(this.follow(rec, note, async () => opened));
    return { kind: 'submitted' };
  }

  /** Dify refused a submit: the person hears why; a form already closed means the run goes on without us, so it is followed. */
  private async refusedSubmit(rec: RunRecord, form: PendingForm, err: unknown): Promise<PressResult> {
    const code = err instanceof DifyError ? err.code : '';
    this.deps.logger.warn({ run: rec.runId, err: describeError(err) }, 'Dify refused a Human Input answer');
    if (code === 'human_input_form_submitted' || code === 'human_input_form_expired') {
      // Answered elsewhere (Dify's UI, email) or past its deadline: the run goes on (or has ended); show how.
      void this.runs.track(this.follow(rec, undefined, (signal) => this.reattachStream(rec, signal)));
      return {
        kind: 'refused',
        markdown: code === 'human_input_form_submitted' ? 'This form was already answered (in Dify, or by someone else).' : 'This form has expired.',
      };
    }
    await this.release(rec.runId);
    if (err instanceof DifyError && err.kind === 'http' && err.status === 400) {
      const missing = /Missing required inputs: (.+)$/.exec(err.message)?.[1];
      const fields = Object.fromEntries(
        (missing ? missing.split(/,\s*/) : form.fields[0] ? [form.fields[0].name] : []).map((n) => [n, missing ? 'Required.' : err.message]),
      );
      return { kind: 'rejected', markdown: `Dify did not accept the answer: ${err.message}`, fields };
    }
    if (err instanceof DifyError && err.status === 404)
      return { kind: 'refused', markdown: 'Dify no longer knows this form (the run was deleted or stopped).' };
    return { kind: 'refused', markdown: `Could not send the answer to Dify (${err instanceof DifyError ? err.code : 'error'}); please try again.` };
  }

  private reattachStream(rec: RunRecord, signal: AbortSignal): Promise<DifyEventStream> {
    return this.deps.dify.workflowEvents(rec.appId, rec.runId, { user: rec.difyUser, includeStateSnapshot: true, signal });
  }

  /** Goes on with a run from its record into the same answer: after an answered form, or re-attached. */
  private async follow(
    rec: RunRecord,
    note: { text: string; node?: string } | undefined,
    open: (signal: AbortSignal) => Promise<DifyEventStream>,
    /** Only waits for Dify (a pause answered outside Slack): handed over at once on close. */
    waitsOnly = false,
  ): Promise<void> {
    const fresh = await this.records.get(rec.runId).catch(() => undefined);
    const base = fresh ?? rec;
    if (base.session) await this.session(base, 'processing');
    if (base.kind === 'chat') {
      const model = chatModel({ ...(base.notice ? { notice: base.notice } : {}), ...base.view });
      await this.pipeline<AnswerState>(base, model, note, open, waitsOnly, {
        feedback: (state) => (state.messageId ? { appId: base.appId, messageId: state.messageId, user: base.difyUser } : undefined),
        files: { of: (state) => state.files, dify: this.deps.dify },
        ...(base.suggestFollowUps
          ? {
              suggestions: (state: AnswerState) =>
                state.messageId ? this.deps.dify.suggested(base.appId, state.messageId, base.difyUser) : Promise.resolve([]),
            }
          : {}),
      });
    } else {
      const header: RunHeader = base.header ?? { app: base.appId, userId: base.askerId };
      await this.pipeline<WorkflowState>(base, workflowModel(header), note, open, waitsOnly, {
        files: { of: runFiles, dify: this.deps.dify },
        outcome: (run) => (!run.delivered ? 'undeliverable' : (run.waiting ?? run.cut ?? run.state.finished?.status ?? 'failed')),
      });
    }
  }

  private async pipeline<S extends { hi: HumanInputTrack }>(
    rec: RunRecord,
    model: AnswerModel<S>,
    note: { text: string; node?: string } | undefined,
    open: (signal: AbortSignal) => Promise<DifyEventStream>,
    waitsOnly: boolean,
    extra: Pick<RunOptions<S>, 'feedback' | 'files' | 'suggestions' | 'outcome'>,
  ): Promise<void> {
    const { deps } = this;
    const place: RunPlace = { ...rec };
    const state = model.resume!(rec.state as unknown as S, note);
    let messages = rec.messages;
    const shown = rec.channelId ? deps.surface.continueAnswer(this.place(rec), (ts) => (messages = ts)) : undefined;
    // A step's run that has shown nothing yet stays quiet until it needs a person.
    const sink = rec.step && rec.messages.length === 0 ? quietUntilAsked(shown, NOWHERE_TO_ASK) : shown!;
    const withMessages: AnswerSink = { ...bind(sink), messages: () => messages };
    const logger = deps.logger.child({ app: rec.appId, run: rec.runId });
    await runPipeline<S>({
      kind: rec.kind,
      appId: rec.appId,
      model,
      from: state,
      sink: withMessages,
      timing: deps.timing,
      logger,
      ...(deps.observer ? { observer: deps.observer } : {}),
      ...(deps.editBudget ? { budget: deps.editBudget(rec.teamId) } : {}),
      ...(deps.runs ? { stop: { registry: deps.runs, runId: randomUUID(), askerId: rec.askerId, ...(rec.threadKey ? { thread: rec.threadKey } : {}) } } : {}),
      open,
      stopTask: (taskId) => deps.dify.stop(rec.appId, taskId, rec.difyUser),
      interrupt: waitsOnly ? AbortSignal.any([this.runs.signal, this.closing.signal]) : this.runs.signal,
      continuation: this.continuation<S>(place, { ...rec, state }),
      ...extra,
    });
  }

  /** Runs nobody follows: live ones whose process died or handed them over, and pauses Slack cannot answer (polled). */
  async scan(): Promise<void> {
    if (this.closed) return;
    let records: RunRecord[];
    try {
      records = await this.records.all();
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err) }, 'could not list workflow runs to re-attach');
      return;
    }
    for (const rec of records) {
      // close() may have come while the store answered.
      if (this.isClosed()) return;
      if (this.held.has(rec.runId)) continue;
      const track = rec.state.hi;
      const waitsForSlack = rec.status === 'paused' && answerable(track).length > 0;
      if (waitsForSlack) continue;
      if (!(await this.hold(rec.runId).catch(() => false))) continue;
      this.deps.logger.info(
        { run: rec.runId, app: rec.appId, status: rec.status },
        'following a workflow run nobody follows (restart, dead replica, or a form answered outside Slack)',
      );
      // Past a form's deadline Dify takes the node's timeout branch (the live stream's human_input_form_timeout is not replayed).
      const expired = rec.status === 'paused' && track.forms.some((f) => f.token !== undefined && f.expiresAt !== undefined && f.expiresAt * 1000 < now());
      void this.runs.track(
        this.follow(
          rec,
          expired ? { text: TIMEOUT_LINE } : undefined,
          async (signal) => {
            if (rec.status === 'paused') await this.untilResumed(rec, signal);
            return this.reattachStream(rec, signal);
          },
          rec.status === 'paused',
        ),
      );
    }
  }

  /** A pause answered outside Slack (email, Dify's UI, the deadline): polls the run until it is no longer paused. */
  private async untilResumed(rec: RunRecord, signal: AbortSignal): Promise<void> {
    let wait = Math.min(POLL_FIRST_MS, this.deps.leaseMs);
    for (;;) {
      const run = await this.deps.dify.workflowRun(rec.appId, rec.runId).catch((err: unknown) => {
        if (err instanceof DifyError && err.status === 404) throw err;
        return undefined;
      });
      if (run && run.status !== 'paused') return;
      await sleep(wait, undefined, { signal });
      wait = Math.min(wait * 2, POLL_MAX_MS);
    }
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A sink's methods bound to it (to wrap one without losing `this`). */
function bind(sink: AnswerSink): AnswerSink {
  return {
    show: (markdown, final, live) => sink.show(markdown, final, live),
    ...(sink.setControls ? { setControls: (c) => sink.setControls!(c) } : {}),
    ...(sink.attachFiles ? { attachFiles: (f) => sink.attachFiles!(f) } : {}),
  };
}
