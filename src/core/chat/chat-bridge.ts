import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AnswerPlace, ChangedQuestion, IncomingMessage, RenamedSession, ReplyTarget, ReplyTracking, AnswerSink, SlackDirectory } from '../ports.js';
import type { ChatRouting, Config } from '../../config/types.js';
import { cachedNames, transcriptOf } from './transcript.js';
import type { ReplyRecord, Store } from '../../store/store.js';
import { runChatTurn, type ChatTurnDeps } from './chat-turn.js';
import { INTERRUPTED_LINE } from '../streaming/failure-text.js';
import { describeError } from '../log-fields.js';
import { RunTracker } from '../runs/run-tracker.js';
import type { RunHistory } from '../runs/run-history.js';
import type { AppCatalog } from '../apps/app-catalog.js';
import { NO_FILES } from '../apps/file-policy.js';
import { sendFiles } from '../apps/files-in.js';
import { isAudio, transcribe } from '../apps/voice-in.js';
import { difyUserForThread, encodeThreadKey, messageClaimKey, type ThreadRef } from './keys.js';
import { slackContextInputs } from '../apps/context-inputs.js';
import type { ThreadLog } from './thread-log.js';
import type { WorkspaceFinder } from '../apps/workspace-finder.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import type { RunSurface } from '../ports.js';

export interface ChatBridgeDeps extends ChatTurnDeps {
  /** People's recent runs (their App Home lists them). */
  history?: RunHistory;
  config: Pick<Config, 'chat' | 'dify' | 'workspaces' | 'dm' | 'dms' | 'context'>;
  store: Store;
  catalog: AppCatalog;
  directory: SlackDirectory;
  threadLog: ThreadLog;
  /** Remembers which workspace a run's channel and person are in (for the extension route). */
  teams?: WorkspaceFinder;
  /** The bot's own user id in a workspace, for its answers in thread transcripts. */
  botUserIdFor(teamId: string): string;
  /** Where its runs are tracked (the bridge's active-runs gauge reads it); a new one when absent. */
  tracker?: RunTracker;
  /** Who may use which app where, and how often (absent: everyone, always). */
  policy?: AccessPolicy;
  /** Private lines to one person (a refusal); agent session titles. */
  surface?: Pick<RunSurface, 'tellPrivately' | 'renameSession'>;
  /** The sink for an answer only the asker sees (a channel with `"answer": "private"`). */
  createPrivateSink?(target: ReplyTarget, asker: { teamId: string; userId: string }): AnswerSink;
  /** The sink for an answer to `asker` (native streaming in channels names its recipient). */
  createSink(target: ReplyTarget, reply: ReplyTracking, asker: { teamId: string; userId: string; channelType: IncomingMessage['channelType'] }): AnswerSink;
}

interface Placement {
  ref: ThreadRef;
  target: ReplyTarget;
}

/** The input a chat app declares to receive the thread it is called into (else the thread goes before the question). */
const THREAD_INPUT = 'slack_thread';
const EARLIER_OPEN = '[Earlier messages in this Slack thread, for context]';
const EARLIER_CLOSE = '[End of the earlier messages; the question follows]';
/** The input that takes the message a question is about ("Ask Dify about this"), when the app declares it. */
const MESSAGE_INPUT = 'slack_message';
const ABOUT_OPEN = '[The Slack message this question is about, by {author}]';
const ABOUT_CLOSE = '[End of the message; the question follows]';
const SINCE_OPEN = '[Messages in this Slack thread since the last answer, for context]';

/** A message that starts by naming a person or a group (`<@U1> can you…`) is addressed to them, not to the bot. */
const ONLY_MENTIONS = /^\s*<(?:@[UW]|!subteam\^)[^>]*>/;

/** An edit or deletion of a question older than this is ignored (Slack edits old messages for unfurls, too). */
const EDIT_WINDOW_MS = 10 * 60_000;
const DELETED_LINE = '_(question deleted)_';
/** What the asker of a question the bridge could not take is told (privately). */
export const NOT_TAKEN_LINE =
  "⚠️ I can't take questions right now (my storage is not answering), so this one was not sent to Dify. Please ask again in a minute.";

/** A claim or turn lasts this long without renewal (the holder died if it runs out). */
const LEASE_MS = 45_000;
/** Slack retries for about 5 minutes; a handled message stays claimed well past that. */
const CLAIM_HOLD_MS = 15 * 60_000;

/** Where a DM or a mention is answered: the store is not needed to know. */
function directPlacement(msg: IncomingMessage, dm: 'single' | 'thread'): Placement {
  const base = { teamId: msg.teamId, channelId: msg.channelId };
  if (msg.channelType === 'im' && dm === 'single') {
    // A DM is one conversation; answers go where asked (the timeline, or a thread under agent view).
    return { ref: { ...base, threadTs: '' }, target: { channelId: msg.channelId, ...(msg.threadTs ? { threadTs: msg.threadTs } : {}) } };
  }
  // dm: thread treats a DM like Slack's agent view does: every top-level message starts a thread, its own
  // conversation, answered in that thread (so it streams natively and gets Stop); replies continue it.
  // A mention is the same in a channel.
  const threadTs = msg.threadTs ?? msg.ts;
  return { ref: { ...base, threadTs }, target: { channelId: msg.channelId, threadTs } };
}

/**
 * The bridge core for chat apps: decides whether a message is for the bot, claims it exactly
 * once across deliveries and replicas, and answers the messages of one thread in order, one
 * run at a time, across replicas (the store's turns).
 */
export class ChatBridge {
  /** Answers under way or waiting for their turn; a shutdown past its deadline interrupts them. */
  readonly runs: RunTracker;
  private readonly owner = `${process.pid}-${randomUUID()}`;

  constructor(private readonly deps: ChatBridgeDeps) {
    this.runs = deps.tracker ?? new RunTracker();
  }

  /** Resolves once the message is accepted or skipped; the answer runs in the background. */
  async handle(msg: IncomingMessage): Promise<void> {
    const log = this.deps.logger.child({ team: msg.teamId, channel: msg.channelId, ts: msg.ts });
    let placement: Placement | undefined;
    try {
      placement = await this.placement(msg);
    } catch (err) {
      // Only a thread reply asks the store where it goes (mentions and DMs never throw here): it may not be for the bot.
      return this.notTaken(msg, undefined, err, log);
    }
    if (!placement) return;
    const claimKey = messageClaimKey(msg.teamId, msg.channelId, msg.ts);
    let claimed: boolean;
    try {
      claimed = await this.deps.store.claim(claimKey, this.owner, LEASE_MS);
    } catch (err) {
      return this.notTaken(msg, placement, err, log);
    }
    if (!claimed) {
      log.debug('message already claimed (a retry or a duplicate delivery)');
      this.deps.observer?.deduplicated();
      return;
    }
    const threadKey = encodeThreadKey(placement.ref);
    this.deps.threadLog.record(threadKey, { ts: msg.ts, userId: msg.userId, text: msg.text }, placement.ref.threadTs || undefined);
    void this.runs.track(this.answer(msg, placement, claimKey, threadKey, log));
  }

  private async nameThread(appId: string, conversationId: string, ref: ThreadRef, session: AnswerPlace, log: Logger): Promise<void> {
    try {
      const name = await this.deps.dify.renameConversation(appId, conversationId, { autoGenerate: true, user: difyUserForThread(ref) });
      if (name) await this.deps.surface?.renameSession?.(session, name);
    } catch (err) {
      log.debug({ err: describeError(err) }, 'could not name the conversation');
    }
  }

  /** A person renamed a thread's agent session in Slack: its Dify conversation gets the same name. */
  async sessionRenamed(r: RenamedSession): Promise<void> {
    if (!r.title.trim() || r.userId === this.deps.botUserIdFor(r.teamId)) return;
    const dm = r.channelId.startsWith('D');
    const ref: ThreadRef = { teamId: r.teamId, channelId: r.channelId, threadTs: dm && this.deps.config.dm === 'single' ? '' : r.threadTs };
    const thread = await this.deps.store.getThread(encodeThreadKey(ref)).catch(() => undefined);
    if (!thread?.conversationId) return;
    await this.deps.dify
      .renameConversation(thread.appId, thread.conversationId, { name: r.title.trim().slice(0, 200), autoGenerate: false, user: difyUserForThread(ref) })
      .catch((err: unknown) => this.deps.logger.warn({ err: describeError(err) }, 'could not rename the Dify conversation'));
  }

  /**
   * A question the bot answered (or is answering) was edited or deleted, within 10 minutes:
   * its run stops, and the same reply shows the answer to the new text, or "(question deleted)".
   */
  async changed(q: ChangedQuestion): Promise<void> {
    if (Date.now() - Number(q.ts) * 1000 > EDIT_WINDOW_MS) return;
    const replyKey = messageClaimKey(q.teamId, q.channelId, q.ts);
    const reply = await this.deps.store.getReply(replyKey).catch(() => undefined);
    if (!reply) return;
    // Each change once, however many deliveries; several changes in the order they were made.
    const turnTs = `${q.ts}~${q.changeTs}`;
    const changeKey = `${replyKey}:change:${q.changeTs}`;
    if (!(await this.deps.store.claim(changeKey, this.owner, LEASE_MS))) return;
    const log = this.deps.logger.child({ team: q.teamId, channel: q.channelId, ts: q.ts });
    log.info({ change: q.text === undefined ? 'deleted' : 'edited' }, 'a question the bot answered changed');
    if (reply.runId) await this.deps.runs?.requestStop(reply.runId, q.userId, q.userId).catch(() => undefined);
    const msg: IncomingMessage = {
      teamId: q.teamId,
      channelId: q.channelId,
      channelType: q.channelType,
      ts: q.ts,
      ...(q.threadTs ? { threadTs: q.threadTs } : {}),
      userId: q.userId,
      text: q.text ?? '',
      // It was addressed to the bot when it was asked.
      mentioned: true,
    };
    const placement = await this.placement(msg);
    if (!placement) return;
    const threadKey = encodeThreadKey(placement.ref);
    void this.runs.track(this.answer(msg, placement, changeKey, threadKey, log, { replyKey, turnTs, deleted: q.text === undefined }));
  }

  private async answer(
    msg: IncomingMessage,
    placement: Placement,
    claimKey: string,
    threadKey: string,
    log: Logger,
    change?: { replyKey: string; turnTs: string; deleted: boolean },
  ): Promise<void> {
    const { store } = this.deps;
    const replyKey = change?.replyKey ?? claimKey;
    const turnTs = change?.turnTs ?? msg.ts;
    const renew = setInterval(() => {
      void store.renewClaim(claimKey, this.owner, LEASE_MS).catch(() => undefined);
      void store.renewTurn(threadKey, turnTs, this.owner, LEASE_MS).catch(() => undefined);
    }, LEASE_MS / 3);
    renew.unref();
    // A message answered before (this replica or another died mid-answer, or the question changed) edits that answer.
    const previous = await store.getReply(replyKey).catch(() => undefined);
    const runId = randomUUID();
    const reply: ReplyRecord = { channelId: msg.channelId, ts: previous?.ts ?? [], runId };
    // Saved at once: an edit or deletion of the question finds the run before anything is posted.
    await store.setReply(replyKey, reply, CLAIM_HOLD_MS).catch(() => undefined);
    const privately = msg.channelType !== 'im' && this.routing(msg.teamId).privateAnswers.includes(msg.channelId) && this.deps.createPrivateSink !== undefined;
    const sink = privately
      ? this.deps.createPrivateSink!(placement.target, { teamId: msg.teamId, userId: msg.userId })
      : this.deps.createSink(
          placement.target,
          {
            existing: reply.ts,
            onPosted: (ts) => store.setReply(replyKey, Object.assign(reply, { ts }), CLAIM_HOLD_MS),
          },
          { teamId: msg.teamId, userId: msg.userId, channelType: msg.channelType },
        );
    try {
      let fence: number;
      try {
        fence = await store.waitTurn(threadKey, turnTs, this.owner, LEASE_MS, this.runs.signal);
      } catch (err) {
        if (!this.runs.signal.aborted) throw err;
        // Shutting down before this message's turn came: say so rather than drop it.
        await sink.show(INTERRUPTED_LINE, true);
        return;
      }
      if (change?.deleted) {
        // After the stopped run's last word (this turn waits for it).
        sink.setControls?.({});
        await sink.show(DELETED_LINE, true);
        return;
      }
      const started = Date.now();
      const thread = await store.getThread(threadKey);
      // A thread stays with the app it started with, while that app is still configured.
      // A summary is a one-off: its app, a conversation of its own, and the thread left as it is.
      const detached = msg.summarize === true;
      const keep = !detached && thread && this.isChatApp(thread.appId);
      const chosen = msg.appId !== undefined && this.isChatApp(msg.appId) ? msg.appId : undefined;
      const appId = keep ? thread.appId : (chosen ?? this.appFor(msg.teamId, msg.channelId));
      if (!appId) {
        await sink.show('⚠️ No Dify chat app is configured for this channel. Ask the operator to set DIFY_API_KEY or `chat.default` in BRIDGE_CONFIG.', true);
        return;
      }
      const shared = msg.files ?? [];
      if (!msg.text.trim() && shared.length === 0) {
        await sink.show('Hi! Write your question after the mention and I will ask Dify.', true);
        return;
      }
      // The access policy decides before anything reaches Dify (or the thread is bound to the app).
      const surface =
        msg.followUp === true
          ? 'follow-up'
          : msg.about || msg.summarize === true
            ? 'shortcut'
            : msg.channelType === 'im'
              ? 'dm'
              : msg.mentioned
                ? 'mention'
                : 'thread';
      const refusal = await this.deps.policy?.decide({ teamId: msg.teamId, channelId: msg.channelId, userId: msg.userId, appId, surface });
      if (refusal) {
        // A DM is private already; elsewhere only the asker sees why.
        if (msg.channelType === 'im' || !this.deps.surface) await sink.show(refusal.markdown, true);
        else {
          const place = {
            teamId: msg.teamId,
            channelId: msg.channelId,
            ...(placement.target.threadTs ? { threadTs: placement.target.threadTs } : {}),
            messages: [],
          };
          await this.deps.surface.tellPrivately(place, msg.userId, refusal.markdown);
        }
        return;
      }
      // Called into a thread people started: it answers there only when mentioned from now on.
      const summonedNow = !thread && msg.threadTs !== undefined && msg.channelType !== 'im';
      const summoned = summonedNow || thread?.summoned === true;
      if (!keep && !detached) await store.setThread(threadKey, { appId, ...(summoned ? { summoned: true } : {}) }, fence);
      const app = await this.deps.catalog.describe(appId).catch(() => undefined);
      if (app?.persona) sink.speakAs?.(app.persona);
      const inputs = app
        ? await slackContextInputs(app.contextVariables, { ...placement.ref, userId: msg.userId }, this.deps.directory, this.deps.teams, appId)
        : {};
      const difyUser = difyUserForThread(placement.ref);
      // Voice clips become text with the app's speech-to-text; other files go to Dify as files.
      const clips = shared.filter(isAudio);
      const others = shared.filter((f) => !isAudio(f));
      const heard = clips.length
        ? await transcribe(this.deps, { id: appId, speechToText: app?.speechToText === true }, clips, { teamId: msg.teamId, difyUser }, log)
        : { texts: [], problems: [] };
      const files = others.length
        ? await sendFiles(this.deps, appId, app?.files ?? NO_FILES, others, { teamId: msg.teamId, difyUser }, log)
        : { files: [], refused: [] };
      const spoken = heard.texts.join('\n\n');
      if (!msg.text.trim() && !spoken && files.files.length === 0 && heard.problems.length) {
        // Nothing to ask: only clips that could not be heard.
        await sink.show(`⚠️ ${heard.problems.join('. ')}.`, true);
        return;
      }
      let query = [msg.text.trim(), spoken].filter(Boolean).join('\n\n') || `(attached: ${shared.map((f) => f.name).join(', ')})`;
      // Summoned into a thread: the thread so far comes with the first question, and later what was
      // said there since the bot's last answer (not addressed to it) with each question.
      // Asked about a message: it goes in the app's slack_message input, or quoted before the question.
      if (detached) {
        const whole = await this.threadSoFar(msg, threadKey, log, 'all');
        if (!whole) {
          await sink.show('_There is nothing in this thread to summarize yet._', true);
          return;
        }
        if (app?.fields.some((f) => f.variable === THREAD_INPUT)) inputs[THREAD_INPUT] = whole;
        else query = `${EARLIER_OPEN}\n${whole}\n${EARLIER_CLOSE}\n\n${query}`;
      } else if (msg.about) {
        const author = msg.about.userId
          ? ((await this.deps.directory.user(msg.teamId, msg.about.userId).catch(() => undefined))?.name ?? msg.about.userId)
          : 'someone';
        if (app?.fields.some((f) => f.variable === MESSAGE_INPUT)) inputs[MESSAGE_INPUT] = msg.about.text;
        else query = `${ABOUT_OPEN.replace('{author}', author)}\n${msg.about.text}\n${ABOUT_CLOSE}\n\n${query}`;
      } else if (summoned && !this.routing(msg.teamId).noThreadContext.includes(msg.channelId)) {
        const earlier = await this.threadSoFar(msg, threadKey, log, summonedNow ? 'all' : 'since-answer');
        if (earlier && app?.fields.some((f) => f.variable === THREAD_INPUT)) inputs[THREAD_INPUT] = earlier;
        else if (earlier && summonedNow) query = `${EARLIER_OPEN}\n${earlier}\n${EARLIER_CLOSE}\n\n${query}`;
        else if (earlier) query = `${SINCE_OPEN}\n${earlier}\n${EARLIER_CLOSE}\n\n${query}`;
      }
      const turn = {
        ref: placement.ref,
        appId,
        query,
        inputs,
        fence,
        startedAt: started,
        logger: log,
        askerId: msg.userId,
        runId,
        ...(summoned && !detached ? { summoned: true } : {}),
        ...(detached ? { detached: true } : {}),
        files: files.files,
        suggestFollowUps: app?.suggestsFollowUps === true,
        view: {
          ...(app?.showsSourceScores === true ? { showScores: true } : {}),
          ...(app?.showReasoning === true ? { showReasoning: true } : {}),
          ...(app?.disclaimer ? { disclaimer: app.disclaimer } : {}),
        },
        ...(app?.persona ? { persona: app.persona } : {}),
        // An agent DM's thread is an agent session (Slack shows a long run's status there).
        session: msg.channelType === 'im' && placement.target.threadTs !== undefined,
        namedLater: msg.channelType === 'im' && placement.target.threadTs !== undefined && !detached,
        ...(placement.target.threadTs !== undefined ? { replyThreadTs: placement.target.threadTs } : {}),
        ...(files.refused.length || heard.problems.length
          ? {
              notice: [files.refused.length ? `Not sent to Dify: ${files.refused.join('; ')}.` : '', ...heard.problems.map((p) => `${p}.`)]
                .filter(Boolean)
                .join(' '),
            }
          : {}),
        ...(spoken ? { heard: spoken } : {}),
        ...(keep && thread.conversationId ? { conversationId: thread.conversationId } : {}),
      };
      const { text, ...result } = await runChatTurn(this.deps, turn, sink, this.runs.signal);
      const shownAt = placement.target.threadTs ?? sink.messages?.()[0];
      if (shownAt && !privately)
        await this.deps.history
          ?.record(msg.teamId, msg.userId, { app: appId, kind: 'chat', channelId: msg.channelId, ts: shownAt, at: Date.now(), outcome: result.outcome })
          .catch(() => undefined);
      // Dify names a new conversation itself; in an agent thread the bridge asks for the name after
      // the first answer instead, to title the Slack session with it.
      if (result.outcome === 'answered' && !turn.conversationId && result.conversationId && turn.namedLater && turn.replyThreadTs) {
        const place = { teamId: msg.teamId, channelId: msg.channelId, threadTs: turn.replyThreadTs, messages: [] };
        void this.runs.track(this.nameThread(appId, result.conversationId, placement.ref, place, log));
      }
      if (result.messageId || result.taskId) {
        await store.setReply(replyKey, Object.assign(reply, { difyMessageId: result.messageId, taskId: result.taskId }), CLAIM_HOLD_MS).catch(() => undefined);
      }
      // Filed right after the question it answers (Slack ts strings sort in time order).
      if (text) this.deps.threadLog.record(threadKey, { ts: `${msg.ts}a`, userId: this.deps.botUserIdFor(msg.teamId), text });
    } catch (err) {
      log.error({ err: describeError(err) }, 'chat message failed');
    } finally {
      clearInterval(renew);
      await store.endTurn(threadKey, turnTs, this.owner).catch(() => undefined);
      await store.finishClaim(claimKey, this.owner, CLAIM_HOLD_MS).catch(() => undefined);
    }
  }

  /**
   * Which thread a message belongs to and where its answer goes, or undefined when the
   * message is not for the bot: a channel message without a mention, outside threads the bot is in.
   */
  private async placement(msg: IncomingMessage): Promise<Placement | undefined> {
    if (msg.channelType === 'im' || msg.mentioned) return directPlacement(msg, this.deps.config.dm);
    const threadTs = msg.threadTs ?? msg.ts;
    const ref = { teamId: msg.teamId, channelId: msg.channelId, threadTs };
    // A channel that asks for it gets answers to its people's top-level messages without a mention.
    if (!msg.threadTs && this.respondsToAll(msg) && !ONLY_MENTIONS.test(msg.text)) return { ref, target: { channelId: msg.channelId, threadTs } };
    if (!msg.threadTs) return undefined;
    const thread = await this.deps.store.getThread(encodeThreadKey(ref));
    // In a thread people started, the bot answers when mentioned; what they say between goes with the next question.
    if (!thread || thread.summoned === true) return undefined;
    return { ref, target: { channelId: msg.channelId, threadTs } };
  }

  private routing(teamId: string): ChatRouting {
    return this.deps.config.workspaces[teamId]?.chat ?? this.deps.config.chat;
  }

  private respondsToAll(msg: IncomingMessage): boolean {
    return this.routing(msg.teamId).respondAll.includes(msg.channelId);
  }

  /**
   * The thread's messages before this one as a transcript (names resolved, newest kept): all of
   * them, or those since the bot's last answer that were not addressed to it; '' when none.
   */
  private async threadSoFar(msg: IncomingMessage, threadKey: string, log: Logger, which: 'all' | 'since-answer'): Promise<string> {
    const { directory } = this.deps;
    let messages;
    try {
      messages = await directory.threadMessages(msg.teamId, msg.channelId, msg.threadTs!);
    } catch (err) {
      log.warn({ err: describeError(err) }, 'could not read the thread the bot was called into; answering without it');
      return '';
    }
    this.deps.threadLog.fill(threadKey, messages);
    const bot = this.deps.botUserIdFor(msg.teamId);
    let earlier = messages.filter((m) => m.ts < msg.ts);
    if (which === 'since-answer') {
      const lastAnswer = earlier.map((m) => m.userId).lastIndexOf(bot);
      earlier = earlier.slice(lastAnswer + 1).filter((m) => m.userId !== bot && !m.text.includes(`<@${bot}`));
    }
    if (earlier.length === 0) return '';
    const nameOf = cachedNames(async (userId) => (await directory.user(msg.teamId, userId))?.name);
    return transcriptOf(earlier, { nameOf, botUserId: bot, maxChars: this.deps.config.context.threadMaxChars });
  }

  /** The chat app for a channel: the workspace's own routing (multi-workspace mode), else the global one. */
  private appFor(teamId: string, channelId: string): string | undefined {
    const chat = this.deps.config.workspaces[teamId]?.chat ?? this.deps.config.chat;
    const name = Object.hasOwn(chat.channels, channelId) ? chat.channels[channelId] : chat.default;
    return name && this.isChatApp(name) ? name : undefined;
  }

  /**
   * The store did not answer, so the question cannot be claimed (and Slack never resends an
   * acknowledged delivery): its asker hears it privately, the operator in one log line and a metric.
   * A thread reply whose thread could not be looked up is only logged (it may not be for the bot).
   */
  private async notTaken(msg: IncomingMessage, placement: Placement | undefined, err: unknown, log: Logger): Promise<void> {
    this.deps.observer?.notTaken?.(placement ? 'store' : 'store_thread_unknown');
    log.error(
      { err: describeError(err), told: placement !== undefined },
      placement
        ? 'the store did not answer: the question was not taken; its asker was told to ask again'
        : 'the store did not answer: a thread reply was not looked at',
    );
    if (!placement) return;
    const place = { teamId: msg.teamId, channelId: msg.channelId, ...(placement.target.threadTs ? { threadTs: placement.target.threadTs } : {}), messages: [] };
    try {
      if (this.deps.surface) await this.deps.surface.tellPrivately(place, msg.userId, NOT_TAKEN_LINE);
      else
        await this.deps
          .createSink(
            placement.target,
            { existing: [], onPosted: async () => undefined },
            { teamId: msg.teamId, userId: msg.userId, channelType: msg.channelType },
          )
          .show(NOT_TAKEN_LINE, true);
    } catch (e) {
      log.error({ err: describeError(e) }, 'could not tell the asker that the question was not taken');
    }
  }

  /** Where DMs are off (`dms: false`), what a shortcut used in a DM is told; undefined elsewhere. */
  dmsOffLine(channelId: string): string | undefined {
    return channelId.startsWith('D') && !this.deps.config.dms ? (this.deps.policy?.dmsOffLine() ?? "I don't answer direct messages here.") : undefined;
  }

  /** The chat apps this person may use in this channel, the channel's own first. */
  async chatAppsFor(teamId: string, channelId: string, userId: string): Promise<string[]> {
    const chat = Object.keys(this.deps.config.dify.apps).filter((n) => this.isChatApp(n));
    const usable = this.deps.policy ? await this.deps.policy.usable(chat, { teamId, channelId, userId }) : chat;
    const own = this.appFor(teamId, channelId);
    return own && usable.includes(own) ? [own, ...usable.filter((n) => n !== own)] : usable;
  }

  private isChatApp(name: string): boolean {
    return Object.hasOwn(this.deps.config.dify.apps, name) && this.deps.config.dify.apps[name]!.type === 'chat';
  }
}
