import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DifyError } from '../../dify/errors.js';
import type { DifyEvent } from '../../dify/events.js';
import type { DifyEventStream } from '../../dify/stream.js';
import { SinkUnavailable, type AnswerSink, type FeedbackRef, type LiveView } from '../ports.js';
import type { EditBudget } from '../streaming/edit-budget.js';
import { describeFailure } from '../streaming/failure-text.js';
import { describeError } from '../log-fields.js';
import type { RunRegistry } from './run-registry.js';
import { ThrottledRenderer, type StreamTiming } from '../streaming/stream-policy.js';

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
}

export interface StreamedRun<S> {
  state: S;
  failure?: unknown;
  /** Ended early by a Stop or a shutdown. */
  cut?: 'stopped' | 'interrupted';
  /** The final render reached the user. */
  delivered: boolean;
}

export interface StreamAnswerOptions<S> {
  model: AnswerModel<S>;
  sink: AnswerSink;
  timing: StreamTiming;
  logger: Logger;
  /** Opens the Dify stream (HTTP errors throw from here); `signal` cancels the request. */
  open(signal: AbortSignal): Promise<DifyEventStream>;
  /** Called with every new state, in order (to save ids as soon as they are known). */
  onState?(state: S): Promise<void>;
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
  /** Milliseconds from opening the Dify request to its first content, and to that content shown in Slack. */
  onFirstToken?(ms: number): void;
  onFirstText?(ms: number): void;
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
  };
}

export const STOPPED_LINE = '_(stopped)_';

export const INTERRUPTED_LINE = '_(interrupted, please ask again)_';

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
 * Runs one streamed Dify generation into a sink through the streaming policy: folds events
 * into state, renders lazily, and always ends with a final render that shows the complete
 * answer, or the partial one with a short failure line.
 */
export async function streamAnswer<S>(opts: StreamAnswerOptions<S>): Promise<StreamedRun<S>> {
  const { model, logger } = opts;
  let state = model.initial;
  let stream: DifyEventStream | undefined;
  let failure: unknown;
  let reported = false;
  const openedAt = Date.now();
  let firstTokenAt: number | undefined;
  const sink = opts.onFirstText ? timedSink(opts.sink, () => firstTokenAt !== undefined, () => opts.onFirstText!(Date.now() - openedAt)) : opts.sink;
  const renderer = new ThrottledRenderer(
    sink,
    opts.timing,
    (err) => {
      reported = true;
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

  try {
    renderer.start(model.render(state, false));
    run.signal.throwIfAborted();
    stream = await opts.open(run.signal);
    if (run.signal.aborted) stream.abort();
    for await (const event of stream) {
      const next = model.reduce(state, event);
      if (next === state) continue;
      state = next;
      if (firstTokenAt === undefined && model.hasContent(state)) {
        firstTokenAt = Date.now();
        opts.onFirstToken?.(firstTokenAt - openedAt);
      }
      await opts.onState?.(state);
      const current = state;
      renderer.update(() => ({ markdown: model.render(current, false), ...(model.live ? { live: model.live(current) } : {}) }), model.hasContent(current));
    }
  } catch (err) {
    failure = err;
    if (!run.signal.aborted) logger.warn({ err: describeError(err) }, 'Dify run failed');
  } finally {
    opts.interrupt?.removeEventListener('abort', onInterrupt);
    unregister?.();
  }
  // Stopped, interrupted or stalled: reading has ended; ask Dify to stop generating too
  // (Dify's stop is unreliable, so nothing waits for it).
  const cut = run.signal.aborted || (failure instanceof DifyError && failure.kind === 'timeout');
  if (cut && stream?.taskId && opts.stopTask) void opts.stopTask(stream.taskId).catch(() => undefined);

  const failureLine = run.signal.aborted ? (run.signal.reason === 'stopped' ? STOPPED_LINE : INTERRUPTED_LINE) : failure === undefined ? undefined : describeFailure(failure);
  const cutBy = run.signal.aborted ? { cut: run.signal.reason === 'stopped' ? ('stopped' as const) : ('interrupted' as const) } : {};
  const feedback = failureLine === undefined ? opts.feedback?.(state) : undefined;
  const suggestions = failureLine === undefined && opts.suggestions ? await opts.suggestions(state).catch(() => []) : [];
  opts.sink.setControls?.({ ...(feedback ? { feedback } : {}), ...(suggestions.length ? { suggestions: suggestions.slice(0, 3) } : {}) });
  try {
    await renderer.finish(model.render(state, true, failureLine));
    return { state, ...(failure === undefined ? {} : { failure }), ...cutBy, delivered: true };
  } catch (err) {
    // Logged once: the renderer already reported it if an intermediate render hit it first.
    if (err instanceof SinkUnavailable) {
      if (!reported) logger.error({ reason: err.reason }, err.message);
    } else logger.error({ err: describeError(err) }, 'Could not show the final answer in Slack');
    return { state, ...(failure === undefined ? {} : { failure }), ...cutBy, delivered: false };
  }
}
