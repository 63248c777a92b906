import type { DifyApp, DifyAppType, DifyTimeouts } from '../dify/types.js';
import type { ModerationConfig } from './moderation-rules.js';

export type { DifyTimeouts };

export type AppType = DifyAppType;
export type StreamMode = 'auto' | 'native' | 'edit' | 'off';

export interface DifyAppConfig extends DifyApp {
  description?: string;
  /** A slash command of its own ("/summarize"), besides `/dify <name>`. */
  command?: string;
  /** Who may answer the app's Human Input forms (default: the person who started the run). */
  humanInput?: { approvers: Approvers };
  /** Who may use the app, and where (absent: everyone in the workspace, guests and external people included). */
  access?: AccessRule;
  /** The app's own quotas (besides the global ones). */
  limits?: Limits;
  /** The name and icon its answers carry (absent: Dify's WebApp title and icon; false: the bot's own). */
  persona?: PersonaConfig | false;
  /** One stream of a run is given up after this long (default 60; a run paused for a person is not streaming). */
  maxRunMinutes?: number;
  /** Reasoning (reasoning_chunk) shown as a quote above edited answers (native streams show it in a card regardless). */
  showReasoning?: boolean;
  /** Who may save an answer as the app's approved answer (Dify annotation): people (U…) and user groups (S…, @handle). */
  annotations?: { editors: string[] };
  /**
   * Dify's own id of the app (the `app_id` its extension calls carry): pinned, the extension gives
   * Slack context of this app's runs only to calls with this id.
   */
  difyAppId?: string;
  /** A Workflow Builder step of its own (workflow apps): how it is named, and the workflow outputs it hands on, typed. */
  workflowStep?: WorkflowStepConfig;
}

/** The types a step's output can have in Workflow Builder. */
export type StepOutputType = 'string' | 'number' | 'integer' | 'boolean';

/** BRIDGE_CONFIG `workflowStep`: `true`, or the step's title, description and typed outputs. */
export interface WorkflowStepConfig {
  title?: string;
  description?: string;
  /** The workflow's End-node outputs the step hands on (besides `text`), by name, with their type. */
  outputs?: Record<string, StepOutputType>;
  /**
   * An app with an access rule runs as a step only when the operator trusts the step's "Run for"
   * person: Slack lets any workflow author name anyone there.
   */
  trustRunFor?: boolean;
}

/** BRIDGE_CONFIG `persona`: what is given wins over Dify's /site. */
export interface PersonaConfig {
  name?: string;
  iconUrl?: string;
  /** A Slack emoji name, ":robot_face:". */
  iconEmoji?: string;
}

/** Who may use an app and where. Lists that are absent do not restrict. */
export interface AccessRule {
  /** People (U…/W…). With userGroups: a person in either may use the app. */
  users?: string[];
  /** User groups (S… or @handle). */
  userGroups?: string[];
  /** The only channels (C…/G…/D…) where the app answers. */
  channels?: string[];
  /** Guests (single- and multi-channel) may use the app. Default false. */
  guests: boolean;
  /** People of other organisations in Slack Connect channels may use the app. Default false. */
  external: boolean;
}

/** "30/hour": at most `count` new requests per window. */
export interface Rate {
  count: number;
  windowMs: number;
  /** As written ("30/hour"), for messages. */
  text: string;
}

export interface Limits {
  perUser?: Rate;
  perChannel?: Rate;
}

/** "asker" (who started the run), "anyone" (who can see the message), or users (U…/W…) and user groups (S… or @handle). */
export type Approvers = 'asker' | 'anyone' | string[];

/** Multi-workspace mode: Slack's OAuth install flow, tokens kept (sealed) in the store. */
export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Signs the install flow's state parameter. */
  stateSecret: string;
  /** 32 bytes: AES-256-GCM key for installations at rest. */
  encryptionKey: Buffer;
  /** The key being rotated out (SLACK_ENCRYPTION_KEY_PREVIOUS): read with, never written with. */
  previousKey?: Buffer;
  /** Where Slack sends people back after installing (needed when the app lists several). */
  redirectUri?: string;
}

/** Which chat apps answer where (globally, or for one workspace). */
export interface ChatRouting {
  default?: string;
  /** Where the default came from, for the start-up line. */
  defaultSource?: 'DIFY_API_KEY' | 'chat.default' | 'the only chat app' | 'the app named default';
  channels: Record<string, string>;
  /** Channels whose top-level messages are answered without a mention (`"respond": "all"`). */
  respondAll: string[];
  /** Channels where a bot summoned into a thread is not given the thread so far (`"threadContext": "none"`). */
  noThreadContext: string[];
  /** Channels whose answers go to the asker alone, with a Share button (`"answer": "private"`). */
  privateAnswers: string[];
}

export interface Config {
  slack: {
    /** One workspace: its bot token. Absent in multi-workspace mode (`oauth`). */
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    oauth?: OAuthConfig;
  };
  dify: {
    apps: Record<string, DifyAppConfig>;
    timeouts: DifyTimeouts;
    /** Origins besides the apps' API URLs that Dify's file URLs may name (DIFY_FILES_URL: Dify's FILES_URL). */
    fileOrigins: string[];
  };
  chat: ChatRouting;
  /** DMs with the bot are answered (false: a DM gets one line saying where the bot can be used). */
  dms: boolean;
  /** single: a DM is one Dify conversation, its threads included; thread: one conversation per DM thread. */
  dm: 'single' | 'thread';
  /** Quotas for every app (each app may add its own). */
  limits: Limits;
  /** Message shortcuts: the chat app that writes "Summarize thread" summaries (absent: no such shortcut). */
  shortcuts: { summarize?: string };
  /** Per-workspace chat routing (team id → routing), over `chat`. */
  workspaces: Record<string, { chat: ChatRouting }>;
  /** `metricsToken`: /metrics answers only with `Authorization: Bearer <token>` (METRICS_TOKEN). */
  server: { port: number; host: string; metricsToken?: string };
  store: { url: string };
  stream: { mode: StreamMode; intervalMs: number; placeholderDelayMs: number };
  /** Who may press Stop on an answer (STOP_ALLOWED). */
  stopPolicy: 'asker' | 'anyone';
  /** Slack's chat.update allowance per workspace (Tier 3: about 50 a minute). */
  slackEditsPerMinute: number;
  /** Dify refused a run with 429 too_many_requests: wait this long, then try once more. */
  difyBusyRetryMs: number;
  /** On SIGTERM/SIGINT, running answers get this long to finish (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** A workflow run followed by a process that died is taken over this long after its last sign of life (RUN_LEASE_MS). */
  runLeaseMs: number;
  logLevel: string;
  extension: { apiKey?: string; path: string };
  moderation: ModerationConfig;
  /** Slack context served to Dify (external data): the transcript is cut to its last N characters. */
  context: { threadMaxChars: number };
}
