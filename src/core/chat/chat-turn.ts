import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StreamMode } from '../../config/types.js';
import type { ChatBlockingResponse, ChatInvoke, DifyClient, DifyFile, ResponseMode } from '../../dify/client.js';
import type { DifyEventStream } from '../../dify/stream.js';
import { DifyError } from '../../dify/errors.js';
import type { Store } from '../../store/store.js';
import type { AnswerSink } from '../ports.js';
import { emptyAnswer, reduceAnswer, type AnswerState } from '../streaming/answer-state.js';
import { renderAnswer, type ViewExtras } from '../streaming/answer-view.js';
import { difyUserForThread, encodeThreadKey, type ThreadRef } from './keys.js';
import { attachRunFiles } from '../runs/files-out.js';
import { describeError } from '../log-fields.js';
import { retryOnceWhenBusy, streamAnswer, type AnswerModel } from '../runs/pipeline.js';
import type { EditBudget } from '../streaming/edit-budget.js';
import type { RunRegistry } from '../runs/run-registry.js';
import type { RunObserver } from '../ports.js';
import { describeFailure } from '../streaming/failure-text.js';
import { ThrottledRenderer, type StreamTiming } from '../streaming/stream-policy.js';

export interface ChatTurnDeps {
  dify: DifyClient;
  store: Store;
  logger: Logger;
  streamMode: StreamMode;
  timing: StreamTiming;
  /** Wait before the one retry of a run Dify refused with 429 too_many_requests. */
  busyRetryMs: number;
  /** Slack's edit allowance for a workspace, shared by all answers (absent: unlimited). */
  editBudget?: (teamId: string) => EditBudget;
  /** Where Stop buttons find their run (absent: no Stop button). */
  runs?: RunRegistry;
  observer?: RunObserver;
}

export interface ChatTurn {
  ref: ThreadRef;
  appId: string;
  /** The thread's Dify conversation; none for a new thread. */
  conversationId?: string;
  /** The turn's fencing token: a run whose turn was taken over cannot overwrite the thread. */
  fence?: number;
  /** The Slack user who asked (who may press Stop). */
  askerId: string;
  /** Files the user attached, already uploaded to Dify. */
  files?: DifyFile[];
  /** One line shown above the answer (files that could not be sent, say). */
  notice?: string;
  /** Offer Dify's suggested follow-up questions after the answer. */
  suggestFollowUps?: boolean;
  query: string;
  inputs: Record<string, unknown>;
}

export interface ChatTurnOutcome {
  outcome: 'answered' | 'failed' | 'stopped' | 'interrupted' | 'undeliverable';
  /** The answer's text as Dify gave it (for the thread's transcript). */
  text: string;
  conversationId?: string;
  messageId?: string;
  taskId?: string;
}

const NEW_CONVERSATION_NOTICE = 'The earlier Dify conversation no longer exists, so this starts a new one.';

/** Runs one user message of a thread through Dify and shows the answer in the sink. */
export async function runChatTurn(deps: ChatTurnDeps, turn: ChatTurn, sink: AnswerSink, interrupt?: AbortSignal): Promise<ChatTurnOutcome> {
  const key = encodeThreadKey(turn.ref);
  const { appId } = turn;
  const user = difyUserForThread(turn.ref);
  const logger = deps.logger.child({ thread: key, app: appId });
  let conversationId = turn.conversationId;
  const extras: ViewExtras = turn.notice ? { notice: turn.notice } : {};

  const invoke = <M extends ResponseMode>(conversation: string | undefined, responseMode: M, signal?: AbortSignal): ChatInvoke<M> & { responseMode: M } => ({
    query: turn.query,
    inputs: turn.inputs,
    user,
    responseMode,
    ...(conversation ? { conversationId: conversation } : {}),
    ...(turn.files?.length ? { files: turn.files } : {}),
    ...(signal ? { signal } : {}),
  });
  /** A stored conversation Dify no longer knows is dropped once and the call repeated. */
  const retryWithoutConversation = async <T>(call: (conversation: string | undefined) => Promise<T>): Promise<T> => {
    try {
      return await call(conversationId);
    } catch (err) {
      // Safe to repeat: a 404 means Dify refused the request before generating anything.
      if (!(err instanceof DifyError && err.isConversationMissing && conversationId)) throw err;
      extras.notice = [extras.notice, NEW_CONVERSATION_NOTICE].filter(Boolean).join(' ');
      conversationId = undefined;
      await deps.store.setThread(key, { appId }, turn.fence);
      return call(undefined);
    }
  };
  const saveConversation = async (state: AnswerState) => {
    if (state.conversationId && state.conversationId !== conversationId) {
      conversationId = state.conversationId;
      // Saved as soon as Dify reports it, so a crash mid-answer keeps the thread's memory.
      if (!(await deps.store.setThread(key, { appId, conversationId }, turn.fence))) {
        logger.warn('another replica took this thread over; its conversation is kept');
      }
    }
  };

  if (deps.streamMode === 'off') {
    let state = emptyAnswer();
    let failure: unknown;
    try {
      state = await blockingAnswer(
        () => retryWithoutConversation((c) => deps.dify.app.chat.invoke(appId, invoke(c, 'blocking'))),
        () => deps.dify.app.chat.invoke(appId, invoke(conversationId, 'streaming')),
      );
      await saveConversation(state);
    } catch (err) {
      failure = err;
      logger.warn({ err: describeError(err) }, 'Dify run failed');
    }
    const final = renderAnswer(state, true, { ...extras, ...(failure ? { failure: describeFailure(failure) } : {}) });
    try {
      await new ThrottledRenderer(sink, deps.timing, () => undefined, () => undefined).finish(final);
    } catch (err) {
      logger.error({ err: describeError(err) }, 'Could not show the answer in Slack');
      return { outcome: 'undeliverable', text: state.text, ...ids(state) };
    }
    return { outcome: failure ? 'failed' : 'answered', text: state.text, ...ids(state) };
  }

  const model: AnswerModel<AnswerState> = {
    initial: emptyAnswer(),
    reduce: reduceAnswer,
    render: (state, final, failure) => renderAnswer(state, final, { ...extras, ...(failure ? { failure } : {}) }),
    hasContent: (state) => state.text.length > 0 || !!state.status,
    live: (state) => ({ text: state.text, ...(state.status ? { status: state.status } : {}), ...(state.tasks.length ? { tasks: state.tasks } : {}) }),
  };
  const run = await streamAnswer({
    model,
    sink,
    timing: deps.timing,
    logger,
    ...(deps.editBudget ? { budget: deps.editBudget(turn.ref.teamId) } : {}),
    open: (signal) => retryOnceWhenBusy(() => retryWithoutConversation((c) => deps.dify.app.chat.invoke(appId, invoke(c, 'streaming', signal))), deps.busyRetryMs),
    ...(deps.runs ? { stop: { registry: deps.runs, runId: randomUUID(), askerId: turn.askerId, thread: key } } : {}),
    feedback: (state) => (state.messageId ? { appId, messageId: state.messageId, user } : undefined),
    ...(turn.suggestFollowUps ? { suggestions: (state: AnswerState) => (state.messageId ? deps.dify.suggested(appId, state.messageId, user) : Promise.resolve([])) } : {}),
    onState: saveConversation,
    ...(deps.observer ? { onFirstToken: (ms: number) => deps.observer!.firstToken(appId, ms), onFirstText: (ms: number) => deps.observer!.firstText(appId, ms) } : {}),
    stopTask: (taskId) => deps.dify.stop(appId, taskId, user),
    ...(interrupt ? { interrupt } : {}),
  });
  if (run.delivered) await attachRunFiles(deps.dify, appId, run.state.files, sink, logger);
  const outcome = !run.delivered ? 'undeliverable' : (run.cut ?? (run.failure ? 'failed' : 'answered'));
  return { outcome, text: run.state.text, ...ids(run.state) };
}

function ids(state: AnswerState): { conversationId?: string; messageId?: string; taskId?: string } {
  return {
    ...(state.conversationId ? { conversationId: state.conversationId } : {}),
    ...(state.messageId ? { messageId: state.messageId } : {}),
    ...(state.taskId ? { taskId: state.taskId } : {}),
  };
}

/** STREAM_MODE=off: one blocking call. Agent apps only stream, so their stream is read to the end instead. */
async function blockingAnswer(blocking: () => Promise<ChatBlockingResponse>, streaming: () => Promise<DifyEventStream>): Promise<AnswerState> {
  let res: ChatBlockingResponse;
  try {
    res = await blocking();
  } catch (err) {
    if (!(err instanceof DifyError && err.kind === 'http' && /blocking/i.test(err.message))) throw err;
    let state = emptyAnswer();
    for await (const event of await streaming()) state = reduceAnswer(state, event);
    return state;
  }
  const sources = (res.metadata?.retriever_resources ?? []).map((r) => r.document_name ?? '').filter(Boolean);
  return {
    ...emptyAnswer(),
    text: res.answer,
    sources: [...new Set(sources)],
    messageId: res.message_id,
    ...(res.conversation_id ? { conversationId: res.conversation_id } : {}),
    ...(res.task_id ? { taskId: res.task_id } : {}),
  };
}
