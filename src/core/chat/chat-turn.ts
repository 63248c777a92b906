import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChatInvoke, DifyFile, ResponseMode } from '../../dify/client.js';
import { DifyError } from '../../dify/errors.js';
import type { Store } from '../../store/store.js';
import type { AnswerSink, Persona } from '../ports.js';
import type { RunView } from '../runs/run-record.js';
import type { AnswerState } from '../streaming/answer-state.js';
import type { ViewExtras } from '../streaming/answer-view.js';
import { chatModel } from '../runs/answer-models.js';
import type { RunFollower } from '../runs/run-follower.js';
import { difyUserForThread, encodeThreadKey, type ThreadRef } from './keys.js';
import { retryOnceWhenBusy, runPipeline, type RunServices } from '../runs/pipeline.js';

export interface ChatTurnDeps extends RunServices {
  store: Store;
  /** Workflow-backed runs (chatflows): pauses for a person, re-attaching, hand-over at shutdown. */
  follower?: RunFollower;
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
  /** When the message was accepted (the run's time in its log line counts from here). */
  startedAt?: number;
  /** The message's logger, for the run's log line. */
  logger?: Logger;
  /** Offer Dify's suggested follow-up questions after the answer. */
  suggestFollowUps?: boolean;
  /** The answer is in an agent thread (Slack's agent session mirrors a long run). */
  session?: boolean;
  /**
   * A new conversation is named after its first answer, by the bridge (its title goes to the
   * agent session), so Dify is asked not to name it first: one generated name, not two.
   */
  namedLater?: boolean;
  /** The run's id for Stop (given, so an edited or deleted question can stop it). */
  runId?: string;
  /** The Slack thread the answer is in (a DM's conversation may span several threads). */
  replyThreadTs?: string;
  /** The thread is one the bot was called into (kept in its record). */
  summoned?: boolean;
  /** A one-off run (a thread's summary): its conversation is not the thread's. */
  detached?: boolean;
  /** What the person's voice clips said (quoted above the answer). */
  heard?: string;
  /** How the answer is shown: source scores, reasoning, the app's disclaimer. */
  view?: RunView;
  /** The app's name and icon (kept with a workflow-backed run for its later posts). */
  persona?: Persona;
  query: string;
  inputs: Record<string, unknown>;
}

export interface ChatTurnOutcome {
  outcome: 'answered' | 'failed' | 'stopped' | 'interrupted' | 'undeliverable' | 'paused' | 'handed-over';
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
  const extras: ViewExtras = { ...(turn.notice ? { notice: turn.notice } : {}), ...(turn.heard ? { heard: turn.heard } : {}), ...turn.view };

  const invoke = <M extends ResponseMode>(conversation: string | undefined, responseMode: M, signal?: AbortSignal): ChatInvoke<M> & { responseMode: M } => ({
    query: turn.query,
    inputs: turn.inputs,
    user,
    responseMode,
    ...(conversation ? { conversationId: conversation } : turn.namedLater ? { autoGenerateName: false } : {}),
    ...(turn.files && turn.files.length > 0 ? { files: turn.files } : {}),
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
      await deps.store.setThread(key, { appId, ...(turn.summoned ? { summoned: true } : {}) }, turn.fence);
      return call(undefined);
    }
  };
  // Called per event; a promise only when there is something to save.
  const saveConversation = (state: AnswerState): Promise<void> | undefined => {
    // A one-off (a thread's summary) leaves the thread's own conversation as it is.
    if (turn.detached || !state.conversationId || state.conversationId === conversationId) return undefined;
    conversationId = state.conversationId;
    // Saved as soon as Dify reports it, so a crash mid-answer keeps the thread's memory.
    return deps.store.setThread(key, { appId, conversationId, ...(turn.summoned ? { summoned: true } : {}) }, turn.fence).then((kept) => {
      if (!kept) logger.warn('another replica took this thread over; its conversation is kept');
    });
  };

  const model = chatModel(extras);
  // A chatflow's run can pause for a person and outlive this process: its record says where it is shown.
  const continuation = deps.follower?.continuation<AnswerState>({
    appId,
    kind: 'chat',
    difyUser: user,
    teamId: turn.ref.teamId,
    channelId: turn.ref.channelId,
    ...(turn.replyThreadTs ? { threadTs: turn.replyThreadTs } : {}),
    askerId: turn.askerId,
    threadKey: key,
    ...(extras.notice ? { notice: extras.notice } : {}),
    ...(turn.suggestFollowUps ? { suggestFollowUps: true } : {}),
    ...(turn.session ? { session: true } : {}),
    ...(turn.persona ? { persona: turn.persona } : {}),
    ...((turn.view && Object.keys(turn.view).length) || turn.heard ? { view: { ...turn.view, ...(turn.heard ? { heard: turn.heard } : {}) } } : {}),
  });
  const run = await runPipeline({
    kind: 'chat',
    appId,
    model,
    sink,
    timing: deps.timing,
    logger,
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(turn.startedAt !== undefined ? { startedAt: turn.startedAt } : {}),
    ...(turn.logger ? { recordLogger: turn.logger } : {}),
    ...(deps.editBudget ? { budget: deps.editBudget(turn.ref.teamId) } : {}),
    // Always Dify's stream, also with STREAM_MODE=off (the sink policy then shows only the final
    // answer): Dify Cloud cuts blocking requests after about 100 s, and Agent apps only stream.
    open: (signal) =>
      retryOnceWhenBusy(() => retryWithoutConversation((c) => deps.dify.app.chat.invoke(appId, invoke(c, 'streaming', signal))), deps.busyRetryMs),
    ...(deps.runs ? { stop: { registry: deps.runs, runId: turn.runId ?? randomUUID(), askerId: turn.askerId, thread: key } } : {}),
    feedback: (state) => (state.messageId ? { appId, messageId: state.messageId, user } : undefined),
    ...(turn.suggestFollowUps
      ? { suggestions: (state: AnswerState) => (state.messageId ? deps.dify.suggested(appId, state.messageId, user) : Promise.resolve([])) }
      : {}),
    files: { of: (state) => state.files, dify: deps.dify },
    onState: saveConversation,
    logFields: (state) => ({ thread: turn.ref.threadTs || 'dm', task_id: state.taskId, conversation_id: state.conversationId, message_id: state.messageId }),
    stopTask: (taskId) => deps.dify.stop(appId, taskId, user),
    ...(interrupt ? { interrupt } : {}),
    ...(continuation ? { continuation } : {}),
  });
  return { outcome: run.outcome as ChatTurnOutcome['outcome'], text: run.state.text, ...ids(run.state) };
}

function ids(state: AnswerState): { conversationId?: string; messageId?: string; taskId?: string } {
  return {
    ...(state.conversationId ? { conversationId: state.conversationId } : {}),
    ...(state.messageId ? { messageId: state.messageId } : {}),
    ...(state.taskId ? { taskId: state.taskId } : {}),
  };
}
