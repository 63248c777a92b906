import type { Logger } from 'pino';
import type { StreamMode } from '../config/types.js';
import type { DifyClient } from '../dify/client.js';
import { DifyError } from '../dify/errors.js';
import type { DifyEventStream } from '../dify/stream.js';
import type { Store } from '../store/store.js';
import { SinkUnavailable, type AnswerSink } from './answer-sink.js';
import { emptyAnswer, reduceAnswer, type AnswerState } from './answer-state.js';
import { renderAnswer, type ViewExtras } from './answer-view.js';
import { describeFailure } from './error-text.js';
import { difyUserForThread, encodeThreadKey, type ThreadRef } from './keys.js';
import { ThrottledRenderer, type StreamTiming } from './stream-policy.js';

export interface ChatTurnDeps {
  dify: DifyClient;
  store: Store;
  logger: Logger;
  streamMode: StreamMode;
  timing: StreamTiming;
}

export interface ChatTurn {
  ref: ThreadRef;
  appId: string;
  /** The thread's Dify conversation; none for a new thread. */
  conversationId?: string;
  query: string;
  inputs: Record<string, unknown>;
}

export interface ChatTurnOutcome {
  outcome: 'answered' | 'failed' | 'undeliverable';
  conversationId?: string;
  taskId?: string;
}

const NEW_CONVERSATION_NOTICE = 'The earlier Dify conversation no longer exists, so this starts a new one.';

/** Runs one user message of a thread through Dify and shows the answer in the sink. */
export async function runChatTurn(deps: ChatTurnDeps, turn: ChatTurn, sink: AnswerSink): Promise<ChatTurnOutcome> {
  const key = encodeThreadKey(turn.ref);
  const appId = turn.appId;
  let conversationId = turn.conversationId;
  const user = difyUserForThread(turn.ref);
  const log = deps.logger.child({ thread: key, app: appId });

  const extras: ViewExtras = {};
  let state: AnswerState = emptyAnswer();
  let stream: DifyEventStream | undefined;
  let failure: unknown;
  let reported = false;
  const renderer = new ThrottledRenderer(
    sink,
    deps.timing,
    (err) => {
      reported = true;
      log.error({ reason: err.reason }, err.message);
      // Nobody can see this answer: stop reading, and ask Dify to stop generating (best effort).
      stream?.abort();
      const taskId = stream?.taskId;
      if (taskId) void deps.dify.stop(appId, taskId, user).catch(() => undefined);
    },
    (err) => log.warn({ err: describeError(err) }, 'Slack rejected an intermediate edit; will retry'),
  );

  const saveConversation = async (id: string | undefined) => {
    if (id && id !== conversationId) {
      conversationId = id;
      // Saved as soon as Dify reports it, so a crash mid-answer keeps the thread's memory.
      await deps.store.setThread(key, { appId, conversationId });
    }
  };

  try {
    if (deps.streamMode === 'off') {
      state = await blockingAnswer(deps, appId, turn, user, conversationId, extras, key);
      await saveConversation(state.conversationId);
    } else {
      renderer.start(renderAnswer(emptyAnswer(), false, extras));
      stream = await openStream(deps, appId, turn, user, conversationId, async () => {
        extras.notice = NEW_CONVERSATION_NOTICE;
        conversationId = undefined;
        await deps.store.setThread(key, { appId });
      });
      for await (const event of stream) {
        const before = state;
        state = reduceAnswer(state, event);
        await saveConversation(state.conversationId);
        if (state !== before) {
          const current = state;
          renderer.update(() => renderAnswer(current, false, extras), current.text.length > 0 || !!current.status);
        }
      }
    }
  } catch (err) {
    failure = err;
    log.warn({ err: describeError(err) }, 'Dify run failed');
  }

  if (failure) extras.failure = describeFailure(failure);
  try {
    await renderer.finish(renderAnswer(state, true, extras));
  } catch (err) {
    // Logged once: the renderer already reported it if an intermediate render hit it first.
    if (err instanceof SinkUnavailable) {
      if (!reported) log.error({ reason: err.reason }, err.message);
    } else log.error({ err: describeError(err) }, 'Could not show the final answer in Slack');
    return { outcome: 'undeliverable', ...ids(state) };
  }
  return { outcome: failure ? 'failed' : 'answered', ...ids(state) };
}

function ids(state: AnswerState): { conversationId?: string; taskId?: string } {
  return { ...(state.conversationId ? { conversationId: state.conversationId } : {}), ...(state.taskId ? { taskId: state.taskId } : {}) };
}

/** Opens the stream; a stored conversation Dify no longer knows is dropped once and the call repeated. */
async function openStream(
  deps: ChatTurnDeps,
  appId: string,
  turn: ChatTurn,
  user: string,
  conversationId: string | undefined,
  onConversationMissing: () => Promise<void>,
): Promise<DifyEventStream> {
  try {
    return await deps.dify.app.chat.invoke(appId, {
      query: turn.query,
      inputs: turn.inputs,
      user,
      responseMode: 'streaming',
      ...(conversationId ? { conversationId } : {}),
    });
  } catch (err) {
    // Safe to repeat: a 404 means Dify refused the request before generating anything.
    if (!(err instanceof DifyError && err.isConversationMissing && conversationId)) throw err;
    await onConversationMissing();
    return deps.dify.app.chat.invoke(appId, { query: turn.query, inputs: turn.inputs, user, responseMode: 'streaming' });
  }
}

/** STREAM_MODE=off: one blocking call, one post. Agent apps only stream, so their stream is read to the end instead. */
async function blockingAnswer(
  deps: ChatTurnDeps,
  appId: string,
  turn: ChatTurn,
  user: string,
  conversationId: string | undefined,
  extras: ViewExtras,
  key: string,
): Promise<AnswerState> {
  const call = (conversation?: string) =>
    deps.dify.app.chat.invoke(appId, {
      query: turn.query,
      inputs: turn.inputs,
      user,
      responseMode: 'blocking',
      ...(conversation ? { conversationId: conversation } : {}),
    });
  let res;
  try {
    res = await call(conversationId);
  } catch (err) {
    if (err instanceof DifyError && err.isConversationMissing && conversationId) {
      extras.notice = NEW_CONVERSATION_NOTICE;
      await deps.store.setThread(key, { appId });
      res = await call(undefined);
    } else if (err instanceof DifyError && err.kind === 'http' && /blocking/i.test(err.message)) {
      const stream = await deps.dify.app.chat.invoke(appId, {
        query: turn.query,
        inputs: turn.inputs,
        user,
        responseMode: 'streaming',
        ...(conversationId ? { conversationId } : {}),
      });
      let state = emptyAnswer();
      for await (const event of stream) state = reduceAnswer(state, event);
      return state;
    } else throw err;
  }
  const sources = (res.metadata?.retriever_resources ?? []).map((r) => r.document_name ?? '').filter(Boolean);
  return {
    ...emptyAnswer(),
    text: res.answer,
    complete: true,
    sources: [...new Set(sources)],
    messageId: res.message_id,
    ...(res.conversation_id ? { conversationId: res.conversation_id } : {}),
    ...(res.task_id ? { taskId: res.task_id } : {}),
  };
}

/** Errors as log fields: kind, code and message, never request headers (which hold keys). */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof DifyError) return { kind: err.kind, code: err.code, status: err.status, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}
