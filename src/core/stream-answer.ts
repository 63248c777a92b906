import type { Logger } from 'pino';
import type { DifyEvent } from '../dify/events.js';
import type { DifyEventStream } from '../dify/stream.js';
import { SinkUnavailable, type AnswerSink } from './answer-sink.js';
import { describeFailure } from './error-text.js';
import { describeError } from './log-fields.js';
import { ThrottledRenderer, type StreamTiming } from './stream-policy.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DifyError } from '../dify/errors.js';
import type { EditBudget } from './edit-budget.js';

/** How one kind of Dify run (chat, completion, workflow) is folded and shown. */
export interface AnswerModel<S> {
  initial: S;
  reduce(state: S, event: DifyEvent): S;
  /** Markdown for the state; `failure` is one short line to show below what arrived. */
  render(state: S, final: boolean, failure?: string): string;
  /** Worth showing before the placeholder delay (text or a status line). */
  hasContent(state: S): boolean;
}

export interface StreamedRun<S> {
  state: S;
  failure?: unknown;
  /** The final render reached the user. */
  delivered: boolean;
}

export interface StreamAnswerOptions<S> {
  model: AnswerModel<S>;
  sink: AnswerSink;
  timing: StreamTiming;
  logger: Logger;
  /** Opens the Dify stream (HTTP errors throw from here). */
  open(): Promise<DifyEventStream>;
  /** Called with every new state, in order (to save ids as soon as they are known). */
  onState?(state: S): Promise<void>;
  /** Asks Dify to stop a task nobody can see any more (best effort). */
  stopTask?(taskId: string): Promise<void>;
  /** Aborted when the bridge shuts down: the answer ends with what it has and asks to ask again. */
  interrupt?: AbortSignal;
  /** The workspace's edit allowance (shared with every other answer). */
  budget?: EditBudget;
}

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
  const renderer = new ThrottledRenderer(
    opts.sink,
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
  const onInterrupt = () => stream?.abort();
  opts.interrupt?.addEventListener('abort', onInterrupt, { once: true });

  try {
    renderer.start(model.render(state, false));
    opts.interrupt?.throwIfAborted();
    stream = await opts.open();
    if (opts.interrupt?.aborted) stream.abort();
    for await (const event of stream) {
      const next = model.reduce(state, event);
      if (next === state) continue;
      state = next;
      await opts.onState?.(state);
      const current = state;
      renderer.update(() => model.render(current, false), model.hasContent(current));
    }
  } catch (err) {
    failure = err;
    if (!opts.interrupt?.aborted) logger.warn({ err: describeError(err) }, 'Dify run failed');
  } finally {
    opts.interrupt?.removeEventListener('abort', onInterrupt);
  }
  // Stalled or interrupted: stop reading is done; ask Dify to stop generating too.
  const stopped = opts.interrupt?.aborted || (failure instanceof DifyError && failure.kind === 'timeout');
  if (stopped && stream?.taskId && opts.stopTask) void opts.stopTask(stream.taskId).catch(() => undefined);

  const failureLine = opts.interrupt?.aborted ? INTERRUPTED_LINE : failure === undefined ? undefined : describeFailure(failure);
  try {
    await renderer.finish(model.render(state, true, failureLine));
    return { state, ...(failure === undefined ? {} : { failure }), delivered: true };
  } catch (err) {
    // Logged once: the renderer already reported it if an intermediate render hit it first.
    if (err instanceof SinkUnavailable) {
      if (!reported) logger.error({ reason: err.reason }, err.message);
    } else logger.error({ err: describeError(err) }, 'Could not show the final answer in Slack');
    return { state, ...(failure === undefined ? {} : { failure }), delivered: false };
  }
}
