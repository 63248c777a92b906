import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DifyError } from '../../dify/errors.js';
import type { DifyEvent } from '../../dify/events.js';
import type { DifyEventStream } from '../../dify/stream.js';
import { SinkUnavailable, type AnswerFooter, type AnswerSink, type FeedbackRef, type LiveView, type RunObserver } from '../ports.js';
import type { EditBudget } from '../streaming/edit-budget.js';
import { failureText, INTERRUPTED_LINE, STOPPED_LINE } from '../streaming/failure-text.js';
import { attachRunFiles } from './files-out.js';
import type { RunFile } from '../streaming/workflow-state.js';
import type { DifyClient } from '../../dify/client.js';
import { describeError } from '../log-fields.js';
import type { RunRegistry } from './run-registry.js';
import { ThrottledRenderer, type StreamTiming } from '../streaming/stream-policy.js';
import type { HumanInputTrack } from '../streaming/human-input-state.js';
import type { WorkflowRun } from '../../dify/human-input.js';
import type { FormControl } from '../ports.js';

/** How one kind of Dify run (chat, completion, workflow) is folded and shown. */
export interface AnswerModel<S> {
  initial: S;
  reduce(state: S, event: DifyEvent): S;
  /** Markdown for the state; `failure` is one short line to show below what arrived. */
  render(state: S, final: boolean, failure?: string): string;
  /** Worth showing before the placeholder delay (text or a status line). */
  hasContent(state: S): boolean;
  /** The raw answer text and status, for sinks that can only append (absent: they edit). */
  live?(state: S): LiveView;
  /** Workflow-backed runs (workflow, chatflow): where the run stands with Human Input. */
  track?(state: S): HumanInputTrack;
  /** The run goes on after a pause (a form answered: `note` says by whom) or a re-attach. */
  resume?(state: S, note?: { text: string; node?: string }): S;
  /** Folds in how Dify's run record says the run ended (after a re-attach, the stream alone is not trusted). */
  confirm?(state: S, run: WorkflowRun): { state: S; failure?: string };
  /** The small print under the final answer (sources, tools used, disclaimer). */
  footer?(state: S): AnswerFooter | undefined;
}

/** What a workflow-backed run can do besides streaming: pause for a person, re-attach, hand over at shutdown. */
export interface RunContinuation<S> {
  /** Called with every new state (saves the run's record once its workflow run id is known); a promise only when it writes. */
  onState(state: S, sink: AnswerSink): Promise<void> | undefined;
  /** The stream ended at a pause: saves it durably and returns the buttons of its forms. */
  onPause(state: S, sink: AnswerSink): Promise<FormControl[]>;
  /** The stream broke (dropped, idle, cut): the run's events again, with a state snapshot. */
  reattach(runId: string, signal: AbortSignal): Promise<DifyEventStream>;
  /** How the run stands in Dify (to confirm a re-attached run's end). */
  runRecord(runId: string): Promise<WorkflowRun>;
  /** The bridge is shutting down: the run is left for the next process (true), or cut as before (false). */
  handOver(state: S, sink: AnswerSink): Promise<boolean>;
  /** The answer is shown waiting (paused, handed over): its record learns the messages that show it. */
  shown(sink: AnswerSink): Promise<void>;
  /** The run ended here (answered, failed, stopped; `failure` is the line shown under it): its record goes. */
  onEnd(state: S, failure?: string): Promise<void>;
}

export interface StreamedRun<S> {
  state: S;
  failure?: unknown;
  /** Ended early by a Stop or a shutdown. */
  cut?: 'stopped' | 'interrupted';
  /** Ended waiting for a person (a Human Input form), or left to the next process at shutdown. */
  waiting?: 'paused' | 'handed-over';
  /** The final render reached the user. */
  delivered: boolean;
  /** How the run ended, as logged and counted: answered, failed, stopped, interrupted, undeliverable, or a workflow's status. */
  outcome: string;
}

/**
 * One Dify run, from "accepted" to "recorded": what differs between a chat turn, a completion
 * and a workflow (the event model, how the stream opens, what the final answer carries) and
 * where it is shown. Everything else (Stop, shutdown, the edit allowance, timing, feedback,
 * follow-ups, files out, the log line and the metrics) is the pipeline's, the same for all.
 */
export interface RunOptions<S> {
  kind: RunKind;
  appId: string;
  model: AnswerModel<S>;
  sink: AnswerSink;
  timing: StreamTiming;
  logger: Logger;
  observer?: RunObserver;
  /** Output files of the run (message_file events, workflow outputs), fetched from Dify and attached after the final show. */
  files?: { of(state: S): RunFile[]; dify: Pick<DifyClient, 'downloadFile'> };
  /** How the run ended, for the log and metrics (default: answered, failed, stopped, interrupted, undeliverable). */
  outcome?(run: Omit<StreamedRun<S>, 'outcome'>): string;
  /** Ids for the run's log line (task, conversation, message), never text. */
  logFields?(state: S): Record<string, unknown>;
  /** When the run was accepted (its time in the log line counts from here). */
  startedAt?: number;
  /** Where the run's log line goes, when not `logger` (the request's own logger, say). */
  recordLogger?: Logger;
  /** Opens the Dify stream (HTTP errors throw from here); `signal` cancels the request. */
  open(signal: AbortSignal): Promise<DifyEventStream>;
  /** Called with every new state, in order (to save ids as soon as they are known); a promise only when it writes. */
  onState?(state: S): Promise<void> | undefined;
  /** Asks Dify to stop a task nobody can see any more (best effort). */
  stopTask?(taskId: string): Promise<void>;
  /** Aborted when the bridge shuts down: the answer ends with what it has and asks to ask again. */
  interrupt?: AbortSignal;
  /** The workspace's edit allowance (shared with every other answer). */
  budget?: EditBudget;
  /** A Stop button for this run (who asked; the registry that finds the run; its thread's key, if any). */
  stop?: { registry: RunRegistry; runId: string; askerId: string; thread?: string };
  /** Feedback buttons for the final answer, when the run produced a Dify message. */
  feedback?(state: S): FeedbackRef | undefined;
  /** Follow-up question buttons for the final answer (asked of Dify before the final render). */
  suggestions?(state: S): Promise<string[]>;
  /** Workflow-backed runs: pauses, re-attaching and hand-over (absent: a broken stream ends the answer). */
  continuation?: RunContinuation<S>;
  /** Starts from this state rather than the model's initial one (a run going on after a pause or restart). */
  from?: S;
}

/** The sink, noticing the first show that carries content (the placeholder does not count). */
function timedSink(sink: AnswerSink, contentArrived: () => boolean, shown: () => void): AnswerSink {
  let done = false;
  return {
    show: async (markdown, final, live) => {
      const withContent = !done && contentArrived();
      await sink.show(markdown, final, live);
      if (withContent) {
        done = true;
        shown();
      }
    },
    ...(sink.setControls ? { setControls: (c) => sink.setControls!(c) } : {}),
    ...(sink.attachFiles ? { attachFiles: (f) => sink.attachFiles!(f) } : {}),
    ...(sink.messages ? { messages: () => sink.messages!() } : {}),
  };
}

export type RunKind = 'chat' | 'workflow' | 'completion';

/** What every kind of run is given by the bridge (chat turns and command runs alike). */
export interface RunServices {
  dify: DifyClient;
  logger: Logger;
  timing: StreamTiming;
  /** Wait before the one retry of a run Dify refused with 429 too_many_requests. */
  busyRetryMs: number;
  /** Slack's edit allowance for a workspace, shared by all answers (absent: unlimited). */
  editBudget?: (teamId: string) => EditBudget;
  /** Where Stop buttons find their run (absent: no Stop button). */
  runs?: RunRegistry;
  observer?: RunObserver;
}

/** The run's one log line and its metrics (also for a run Dify refused before it started). */
export function recordRun(
  logger: Logger,
  observer: RunObserver | undefined,
  run: { kind: RunKind; app: string; outcome: string; ms: number; fields?: Record<string, unknown> },
): void {
  // The app and kind once, whether or not the logger already carries them.
  const bound = logger.bindings();
  logger.info(
    { ...('app' in bound ? {} : { app: run.app }), ...('kind' in bound ? {} : { kind: run.kind }), outcome: run.outcome, ms: run.ms, ...run.fields },
    'Dify run finished',
  );
  observer?.runFinished({ kind: run.kind, app: run.app, outcome: run.outcome, ms: run.ms });
}

const defaultOutcome = (run: { delivered: boolean; cut?: string; waiting?: string; failure?: unknown }) =>
  !run.delivered ? 'undeliverable' : (run.waiting ?? run.cut ?? (run.failure === undefined ? 'answered' : 'failed'));

/** Broken streams worth re-attaching to: dropped, closed early, or silent past the idle timeout. */
const isBreak = (err: unknown) => err instanceof DifyError && (err.kind === 'network' || err.kind === 'timeout');
/** A run re-attaches this often in a row before its answer ends with the failure. */
const MAX_REATTACH = 5;

/** Dify's 429 too_many_requests (the app's concurrency limit) is worth one more try; it generated nothing. */
export async function retryOnceWhenBusy<T>(open: () => Promise<T>, waitMs: number): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (!(err instanceof DifyError && err.kind === 'http' && err.status === 429 && err.code === 'too_many_requests')) throw err;
    await sleep(waitMs);
    return open();
  }
}

/**
 * Runs one Dify run into a sink through the streaming policy: folds events into state,
 * renders lazily, always ends with a final render that shows the complete answer (or the
 * partial one with a short failure line), attaches the run's files, and records the run.
 */
export async function runPipeline<S>(opts: RunOptions<S>): Promise<StreamedRun<S>> {
  const startedAt = opts.startedAt ?? Date.now();
  const run = await streamRun(opts);
  if (run.delivered && opts.files) await attachRunFiles(opts.files.dify, opts.appId, opts.files.of(run.state), opts.sink, opts.logger);
  const outcome = (opts.outcome ?? defaultOutcome)(run);
  recordRun(opts.recordLogger ?? opts.logger, opts.observer, {
    kind: opts.kind,
    app: opts.appId,
    outcome,
    ms: Date.now() - startedAt,
    fields: opts.logFields?.(run.state) ?? {},
  });
  return { ...run, outcome };
}

async function streamRun<S>(opts: RunOptions<S>): Promise<Omit<StreamedRun<S>, 'outcome'>> {
  const { model, logger, continuation: cont } = opts;
  const onFirstToken = (ms: number) => opts.observer?.firstToken(opts.appId, ms);
  const onFirstText = (ms: number) => opts.observer?.firstText(opts.appId, ms);
  let state = opts.from ?? model.initial;
  let stream: DifyEventStream | undefined;
  let failure: unknown;
  // Set from the renderer's callback (an object, so the compiler does not narrow it to `false`).
  const unavailable = { reported: false };
  const openedAt = Date.now();
  let firstTokenAt: number | undefined;
  const sink = timedSink(
    opts.sink,
    () => firstTokenAt !== undefined,
    () => onFirstText(Date.now() - openedAt),
  );
  const renderer = new ThrottledRenderer(
    sink,
    opts.timing,
    (err) => {
      unavailable.reported = true;
      logger.error({ reason: err.reason }, err.message);
      // Nobody can see this answer: stop reading, and ask Dify to stop generating.
      stream?.abort();
      const taskId = stream?.taskId;
      if (taskId && opts.stopTask) void opts.stopTask(taskId).catch(() => undefined);
    },
    (err) => logger.warn({ err: describeError(err) }, 'Slack rejected an intermediate edit; will retry'),
    opts.budget,
  );
  // Stop (a button) and interrupt (a shutdown) end the run at once; Dify is asked to stop too.
  const run = new AbortController();
  run.signal.addEventListener('abort', () => stream?.abort(), { once: true });
  const onInterrupt = () => run.abort('interrupted');
  if (opts.interrupt?.aborted) run.abort('interrupted');
  opts.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  const unregister = opts.stop?.registry.register(opts.stop.runId, () => run.abort('stopped'), opts.stop.thread);
  if (opts.stop) opts.sink.setControls?.({ stop: { runId: opts.stop.runId, askerId: opts.stop.askerId } });
  const runIdOf = () => model.track?.(state).runId;
  let reattached = 0;
  const deadlineMs = opts.timing.runDeadlineMs?.(opts.appId);
  let pastDeadline: DifyError | undefined;
  const deadline =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          const minutes = Math.round(deadlineMs / 60_000);
          pastDeadline = new DifyError(
            'timeout',
            'run_deadline',
            `Dify was still running after ${minutes} minute${minutes === 1 ? '' : 's'}, this app's limit (maxRunMinutes)`,
          );
          stream?.abort();
        }, deadlineMs);
  deadline?.unref();

  try {
    renderer.start(model.render(state, false));
    run.signal.throwIfAborted();
    stream = await opts.open(run.signal);
    if (run.signal.aborted) stream.abort();
    for (;;) {
      try {
        for await (const event of stream) {
          const next = model.reduce(state, event);
          if (next === state) continue;
          state = next;
          if (firstTokenAt === undefined && model.hasContent(state)) {
            firstTokenAt = Date.now();
            onFirstToken(firstTokenAt - openedAt);
          }
          // Awaited only when there is a write: an await per event is a microtask hop per token.
          const saving = opts.onState?.(state);
          if (saving) await saving;
          const following = cont?.onState(state, opts.sink);
          if (following) await following;
          const current = state;
          renderer.update(() => ({ markdown: model.render(current, false), ...(model.live ? { live: model.live(current) } : {}) }), model.hasContent(current));
        }
        break;
      } catch (err) {
        // A workflow-backed run goes on in Dify when its stream breaks: follow it again.
        const runId = runIdOf();
        if (!cont || !runId || run.signal.aborted || !isBreak(err) || reattached >= MAX_REATTACH) throw err;
        reattached++;
        logger.warn({ err: describeError(err), attempt: reattached }, 'the Dify stream broke; re-attaching to the workflow run');
        await sleep(Math.min(250 * 2 ** (reattached - 1), 4000), undefined, { signal: run.signal });
        stream = await cont.reattach(runId, run.signal);
        if (model.resume) state = model.resume(state);
      }
    }
  } catch (err) {
    failure = pastDeadline ?? err;
    if (!run.signal.aborted) logger.warn({ err: describeError(failure) }, 'Dify run failed');
  } finally {
    clearTimeout(deadline);
    opts.interrupt?.removeEventListener('abort', onInterrupt);
    unregister?.();
  }
  const track = model.track?.(state);
  const interrupted = run.signal.aborted && run.signal.reason !== 'stopped';
  // Shutting down: a workflow-backed run is left to the next process, which re-attaches to it.
  if (interrupted && cont && track?.runId && (await cont.handOver(state, opts.sink).catch(() => false))) {
    opts.sink.setControls?.({});
    const ended = await finish(renderer, `${model.render(state, false)}\n\n${HANDOVER_LINE}`, state, { waiting: 'handed-over' }, logger, unavailable);
    await cont.shown(opts.sink).catch(() => undefined);
    return ended;
  }
  if (cont && failure === undefined && !run.signal.aborted && track?.paused) {
    const forms = await cont.onPause(state, opts.sink);
    // Shown first without buttons: a press must find the messages it answers in the run's record.
    opts.sink.setControls?.({ waiting: true });
    const markdown = model.render(state, true);
    const ended = await finish(renderer, markdown, state, { waiting: 'paused' }, logger, unavailable);
    await cont.shown(opts.sink).catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not save where the paused answer is'));
    if (ended.delivered && forms.length > 0) {
      opts.sink.setControls?.({ forms, waiting: true });
      await opts.sink.show(markdown, true).catch((err: unknown) => logger.error({ err: describeError(err) }, "Could not show the form's buttons in Slack"));
    }
    return ended;
  }
  // Stopped, interrupted or stalled: reading has ended; ask Dify to stop generating too
  // (Dify's stop is unreliable, so nothing waits for it).
  const cut = run.signal.aborted || (failure instanceof DifyError && failure.kind === 'timeout');
  if (cut && stream?.taskId && opts.stopTask) void opts.stopTask(stream.taskId).catch(() => undefined);

  let failureLine = run.signal.aborted
    ? run.signal.reason === 'stopped'
      ? STOPPED_LINE
      : INTERRUPTED_LINE
    : failure === undefined
      ? undefined
      : failureText(failure);
  // A run that was re-attached or resumed ends as Dify's run record says (the stream may have missed text).
  const runId = runIdOf();
  if (cont && runId && model.confirm && failure === undefined && !run.signal.aborted && (reattached > 0 || opts.from !== undefined)) {
    const confirmed: { state: S; failure?: string } = await cont
      .runRecord(runId)
      .then((record) => model.confirm!(state, record))
      .catch((err: unknown) => (logger.warn({ err: describeError(err) }, 'could not confirm the run with Dify'), { state }));
    state = confirmed.state;
    if (confirmed.failure) failureLine = confirmed.failure;
  }
  const cutBy = run.signal.aborted ? { cut: run.signal.reason === 'stopped' ? ('stopped' as const) : ('interrupted' as const) } : {};
  const feedback = failureLine === undefined ? opts.feedback?.(state) : undefined;
  const suggestions = failureLine === undefined && opts.suggestions ? await opts.suggestions(state).catch(() => []) : [];
  const footer = model.footer?.(state);
  opts.sink.setControls?.({
    ...(feedback ? { feedback } : {}),
    ...(suggestions.length ? { suggestions: suggestions.slice(0, 3) } : {}),
    ...(footer ? { footer } : {}),
  });
  const ended = await finish(
    renderer,
    model.render(state, true, failureLine),
    state,
    { ...(failure === undefined ? {} : { failure }), ...cutBy },
    logger,
    unavailable,
  );
  if (cont) await cont.onEnd(state, failureLine).catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not clear the run record'));
  return ended;
}

/** Shown when a shutdown leaves a workflow-backed run to the next process. */
export const HANDOVER_LINE = '_⏳ The bridge is restarting; this answer goes on in a moment._';

/** The final render; an answer nobody can see is logged once and reported undelivered. */
async function finish<S>(
  renderer: ThrottledRenderer,
  markdown: string,
  state: S,
  how: Pick<StreamedRun<S>, 'failure' | 'cut' | 'waiting'>,
  logger: Logger,
  unavailable: { reported: boolean },
): Promise<Omit<StreamedRun<S>, 'outcome'>> {
  try {
    await renderer.finish(markdown);
    return { state, ...how, delivered: true };
  } catch (err) {
    // Logged once: the renderer already reported it if an intermediate render hit it first.
    if (err instanceof SinkUnavailable) {
      if (!unavailable.reported) logger.error({ reason: err.reason }, err.message);
    } else logger.error({ err: describeError(err) }, 'Could not show the final answer in Slack');
    return { state, ...how, delivered: false };
  }
}
