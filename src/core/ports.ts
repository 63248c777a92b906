/**
 * The contracts between the core and what surrounds it: what the Slack surfaces, the
 * extension route and the ops layer implement or pass in. The core depends on these
 * interfaces only; src/slack/ and src/ops/ provide them. Read this file to see the boundary.
 */
import type { AppDescription } from './apps/app-catalog.js';
import type { LoggedMessage } from './chat/thread-log.js';
import type { HomeApp } from './apps/home-apps.js';
import type { RecentRun } from './runs/run-history.js';

// ── Where answers are shown (implemented by src/slack/answer-writer.ts and native-stream-writer.ts) ──

/**
 * Where an answer is shown. The core decides what to show and when; a sink (Slack's
 * message writer) decides how: which messages to post, edit or split.
 */
export interface AnswerSink {
  /**
   * Shows the whole answer so far as Markdown, replacing what was shown before. `live` is the
   * same answer for sinks that can only append (Slack's native streaming): the raw text so far,
   * and a status line shown apart from it.
   */
  show(markdown: string, final: boolean, live?: LiveView): Promise<void>;
  /** The buttons shown under the answer from the next show on (none: no buttons). */
  setControls?(controls: AnswerControls): void;
  /** Adds files to the answer (in its thread), after the final show. */
  attachFiles?(files: OutgoingFile[]): Promise<void>;
  /** The Slack messages that show the answer so far (ts, first first), so a later process can go on in them. */
  messages?(): string[];
  /** Posts from now on carry the app's name and icon (an edit keeps the identity a message was posted with). */
  speakAs?(persona: Persona): void;
}

/** The name and icon an app answers with (Slack shows them only with the chat:write.customize scope). */
export interface Persona {
  name: string;
  iconUrl?: string;
  /** ":robot_face:"; wins over iconUrl, as in Slack. */
  iconEmoji?: string;
}

export interface LiveView {
  text: string;
  status?: string;
  /** Steps of the run (tool calls, workflow nodes), for sinks that show them as tasks. */
  tasks?: LiveTask[];
  /** The model's reasoning so far, for sinks that show it in a card of its own. */
  reasoning?: { text: string; done: boolean };
}

export interface LiveTask {
  id: string;
  title: string;
  status: 'in_progress' | 'complete' | 'error';
  /** What the step was given (a tool's input, shortened). */
  details?: string;
  /** What it gave back (the first lines of a tool's observation). */
  output?: string;
  /** A tool call (agent tools, chatflow tool nodes), named in the answer's "Used:" line. */
  kind?: 'tool';
}

/** One source of an answer: the document, its dataset, a link where Dify gives one, the retrieval score. */
export interface SourceRef {
  title: string;
  dataset?: string;
  url?: string;
  score?: number;
}

/** Small print under a final answer: its sources, the tools it used, the app's disclaimer. */
export interface AnswerFooter {
  sources?: SourceRef[];
  /** Sources show their retrieval scores (the app enables citations). */
  showScores?: boolean;
  toolsUsed?: string[];
  disclaimer?: string;
}

export interface OutgoingFile {
  filename: string;
  data: Uint8Array;
  mimeType?: string;
}

/** The sink is rate limited: try again after `retryAfterMs`. */
export class SinkRateLimited extends Error {
  override readonly name = 'SinkRateLimited';
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}

/** The sink cannot show anything more for this answer (no access to the channel, say). */
export class SinkUnavailable extends Error {
  override readonly name = 'SinkUnavailable';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Buttons under an answer: Stop while it runs; feedback once it is final. */
export interface AnswerControls {
  stop?: { runId: string; askerId: string };
  feedback?: FeedbackRef;
  /** Follow-up questions, each a button that asks it in the thread. */
  suggestions?: string[];
  /** The forms a paused run waits on: one row of buttons each (the run waits; no Stop). */
  forms?: FormControl[];
  /** The run waits for a person (paused at a form): its Slack session is suspended, not done. */
  waiting?: boolean;
  /** Small print under the final answer (context lines). */
  footer?: AnswerFooter;
}

/** The buttons of one Human Input form, and what they say about it. */
export interface FormControl {
  /** What a press names: the run, which pause, which form. */
  runId: string;
  pause: number;
  index: number;
  node: string;
  actions: Array<{ id: string; title: string; style?: 'primary' | 'danger' }>;
  /** Unix seconds. */
  expiresAt?: number;
  /** Who may answer, as Slack mrkdwn ("<@U1>", "anyone in the channel"). */
  approvers: string;
}

/** What a feedback click needs to reach Dify: the app, its message, and the run's Dify user. */
export interface FeedbackRef {
  appId: string;
  messageId: string;
  user: string;
  /** The rating already given, shown as chosen. */
  rating?: 'like' | 'dislike';
}

// ── What the core may ask Slack (implemented by src/slack/slack-directory.ts) ──

export interface UserProfile {
  name: string;
  title?: string;
  timeZone?: string;
  timeZoneLabel?: string;
  /** Seconds east of UTC. */
  utcOffset?: number;
  /** A single- or multi-channel guest (is_restricted / is_ultra_restricted). */
  guest?: boolean;
  /** The workspace the person belongs to (another organisation's, for Slack Connect). */
  homeTeamId?: string;
  enterpriseId?: string;
}

export interface ChannelProfile {
  name?: string;
  topic?: string;
  purpose?: string;
  isDirect: boolean;
}

/** What the core may ask Slack about people, channels and threads (cached by the implementation). */
export interface SlackDirectory {
  user(teamId: string, userId: string): Promise<UserProfile | undefined>;
  channel(teamId: string, channelId: string): Promise<ChannelProfile | undefined>;
  /** A thread's messages (or a DM's recent ones when threadTs is ''), oldest first. */
  threadMessages(teamId: string, channelId: string, threadTs: string): Promise<LoggedMessage[]>;
  /** A file a user shared (url_private_download), at most `maxBytes`. */
  fetchFile(teamId: string, url: string, maxBytes: number): Promise<{ data: Uint8Array; mimeType?: string }>;
  /** The members of a user group (`S…` or its handle `@oncall`); undefined when Slack cannot say (no scope, free plan, unknown group). */
  groupMembers?(teamId: string, group: string): Promise<string[] | undefined>;
}

// ── What a run that outlives its request needs from Slack (src/slack/run-surface.ts) ──

/** An answer that goes on later (after a pause, a restart, on another replica): where it is, and who asked. */
export interface AnswerPlace {
  teamId: string;
  channelId: string;
  threadTs?: string;
  /** The answer's messages so far. */
  messages: string[];
  /** The app's name and icon, for posts that continue the answer. */
  persona?: Persona;
}

export type SessionStatus = 'active' | 'processing' | 'suspended' | 'closed';

/** What the Human Input and re-attach side of the core asks of Slack. */
export interface RunSurface {
  /** A sink that goes on in the answer's messages (edits them; posts continuation pages after them). */
  continueAnswer(place: AnswerPlace, onPosted: (ts: string[]) => void): AnswerSink;
  /** A line only `userId` sees, where the answer is. */
  tellPrivately(place: AnswerPlace, userId: string, markdown: string): Promise<void>;
  /** Mirrors a run in Slack's agent session of a thread (agent apps only; others are skipped, quietly). */
  sessionStatus?(place: AnswerPlace, status: SessionStatus): Promise<void>;
  /** Gives a thread's agent session a title (agent apps only). */
  renameSession?(place: AnswerPlace, title: string): Promise<void>;
  /** The bot's DM with a person (opened if need be); undefined when Slack will not open it. */
  directChannel?(teamId: string, userId: string): Promise<string | undefined>;
}

// ── What the Home tab shows (src/slack/events/app-home-opened.ts reads it) ──

/** What a person's Home tab shows: the apps open to them, and their last runs. */
export interface HomeSource {
  apps(who: { teamId: string; userId: string }): Promise<HomeApp[]>;
  recent(teamId: string, userId: string): Promise<RecentRun[]>;
}

// ── What the core reports (implemented by src/ops/metrics.ts) ──

/** What the bridge core reports about its work, for metrics (the core knows no metrics library). */
/** Seals secrets the store keeps (AES-256-GCM, bound to a context); opens with the current or the previous key. */
export interface Sealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): { plaintext: string; stale: boolean };
}

export interface RunObserver {
  /** A Slack delivery of a message already being answered (a retry, or app_mention + message). */
  deduplicated(): void;
  /** A Dify run ended: `outcome` answered / failed / stopped / interrupted / undeliverable… */
  runFinished(run: { kind: 'chat' | 'workflow' | 'completion'; app: string; outcome: string; ms: number }): void;
  /** From the request to Dify: its first answer text or status, and the first of it shown in Slack. */
  firstToken(app: string, ms: number): void;
  firstText(app: string, ms: number): void;
  /** A request the access policy refused (why: user, channel, guest, external, quota_user…). */
  refused?(reason: string): void;
  /** A question the bridge could not take (why: store), its asker told to ask again. */
  notTaken?(reason: string): void;
}

// ── What the chat surfaces hand the core (src/slack/events/) ──

/** A user's message, as the Slack surface hands it to the core (no Slack payload shapes past here). */
export interface IncomingMessage {
  teamId: string;
  channelId: string;
  /** 'im' for DMs; 'channel', 'group' and 'mpim' need a mention to start a thread. */
  channelType: 'channel' | 'group' | 'im' | 'mpim';
  ts: string;
  threadTs?: string;
  userId: string;
  /** The text with the bot's own mention removed. */
  text: string;
  /** Delivered as app_mention (the bot was addressed explicitly). */
  mentioned: boolean;
  /** Files attached to the message. */
  files?: SharedFile[];
  /** Asked with a follow-up button (continues a conversation: not counted against quotas). */
  followUp?: boolean;
  /** Asked about a message ("Ask Dify about this"): the message goes with the question. */
  about?: QuotedMessage;
  /** The chat app the person chose (a thread already bound to an app keeps its own). */
  appId?: string;
  /** "Summarize thread": the thread so far goes to `appId` in a one-off run; the thread's own conversation is untouched. */
  summarize?: boolean;
}

/** A Slack message a question is about. */
export interface QuotedMessage {
  ts: string;
  userId?: string;
  text: string;
}

/** A file a user shared in Slack (fetched only with the bot token, only from Slack). */
export interface SharedFile {
  name: string;
  mimeType: string;
  size: number;
  url?: string;
}

/** Where to show an answer: a channel, and the thread to reply in (none: a DM's main timeline). */
export interface ReplyTarget {
  channelId: string;
  threadTs?: string;
}

/** How a sink remembers the messages of an answer, so a re-run of the same message edits them. */
export interface ReplyTracking {
  /** Messages a previous run of this message posted. */
  existing: string[];
  /** Called with the answer's messages whenever one is posted or removed. */
  onPosted(ts: string[]): Promise<void>;
}

/** A person renamed an agent session in Slack (agent_session_title_changed). */
export interface RenamedSession {
  teamId: string;
  channelId: string;
  threadTs: string;
  userId: string;
  title: string;
}

/** A person edited a question (its text changed), or deleted it. */
export interface ChangedQuestion {
  teamId: string;
  channelId: string;
  channelType: IncomingMessage['channelType'];
  /** The question's own ts (not the change event's). */
  ts: string;
  threadTs?: string;
  userId: string;
  /** The new text, the bot's mention removed; absent: deleted. */
  text?: string;
  mentioned: boolean;
  /** When it changed (the edit's ts, or the deletion event's): orders several edits of one question. */
  changeTs: string;
}

// ── What the command surfaces hand the core and get back (src/slack/commands/, src/slack/views/) ──

/** A slash command, as the Slack surface hands it to the core. */
export interface CommandRequest {
  teamId: string;
  userId: string;
  channelId: string;
  /** "/dify", or an app's own command. */
  command: string;
  text: string;
}

/** A file a user attached in a form, already fetched from Slack. */
export interface IncomingFile {
  filename: string;
  mimeType: string;
  data: Uint8Array;
}

/** Who ran a command, and where. */
export interface Requester {
  teamId: string;
  userId: string;
  channelId: string;
}

export interface FormSubmission {
  appId: string;
  who: Requester;
  values: Record<string, unknown>;
  files: Record<string, IncomingFile[]>;
}

/** What a run can do in Slack; implemented by the Slack surface. */
export interface CommandSurface {
  /** A message only the user sees. */
  reply(markdown: string): Promise<void>;
  /** The visible message in the channel that shows the run. */
  resultSink(): AnswerSink;
  /** One line under results on how to go on (Slack has no commands in threads). */
  followUpHint?: string;
}

export type RunPlan = { kind: 'run'; app: AppDescription; inputs: Record<string, unknown> };

export type CommandPlan = { kind: 'reply'; markdown: string } | { kind: 'form'; app: AppDescription; prefill: Record<string, unknown> } | RunPlan;

// ── What a Workflow Builder step hands the core, and how its end goes back (src/slack/functions/) ──

/** One execution of a Dify workflow as a Workflow Builder custom step (function_executed). */
export interface StepRequest {
  teamId: string;
  appId: string;
  /** Slack's function_execution_id: the step's identity (a retried delivery carries the same one). */
  executionId: string;
  /** What ends this execution in Slack (the event's function token, sealed): opaque to the core, kept with the run. */
  completion: string;
  /** The values Workflow Builder gave the step, by Dify variable (files as Slack file ids). */
  inputs: Record<string, unknown>;
  /** The person the step runs for (its "Run for" input), if the workflow names one. */
  runFor?: string;
  /** Where a pause for a person is asked (its "Ask in" input); else a DM to `runFor`. */
  askIn?: string;
  /** Reads a file Workflow Builder passed (a Slack file id). */
  fetchFile(fileId: string): Promise<IncomingFile>;
}

/** Ends a step's execution in Slack (functions.completeSuccess / completeError); never throws. */
export interface StepCompleter {
  finish(completion: string, executionId: string, result: { outputs: Record<string, unknown> } | { error: string }): Promise<void>;
}
