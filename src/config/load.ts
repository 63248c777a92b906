import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, parseJsonText } from './describe-input.js';
import type { Env } from './env.js';
import { compilePattern, DEFAULT_MODERATION, PRESET_NAMES, type ModerationConfig } from './moderation-rules.js';
import type { ChatRouting, Config, DifyAppConfig, Limits } from './types.js';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const DEFAULT_DIFY_URL = 'https://api.dify.ai/v1';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
      message: `is not a valid URL (expected ${what}, starting with http:// or https://)`,
    });

const intIn = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be a whole number (expected ${what})` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `is out of range (expected ${what}, ${min} to ${max})` });

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^xoxb-\S+$/, { message: 'does not look like a bot token (expected a value starting with xoxb-)' })
    .optional(),
  SLACK_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^\d+\.\d+$/, { message: 'does not look like a client id (expected digits.digits from Basic Information)' })
    .optional(),
  SLACK_CLIENT_SECRET: z.string().trim().min(8, { message: 'is too short (expected the client secret from Basic Information)' }).optional(),
  SLACK_STATE_SECRET: z.string().trim().min(16, { message: 'is too short (expected 16 or more random characters)' }).optional(),
  SLACK_ENCRYPTION_KEY: z
    .string()
    .trim()
    .refine((v) => encryptionKey(v) !== undefined, {
      message: 'is not a 32-byte key (expected 64 hex characters or base64, e.g. from: openssl rand -base64 32)',
    })
    .optional(),
  SLACK_ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .trim()
    .refine((v) => encryptionKey(v) !== undefined, {
      message: 'is not a 32-byte key (expected the SLACK_ENCRYPTION_KEY being rotated out: 64 hex characters or base64)',
    })
    .optional(),
  SLACK_REDIRECT_URI: httpUrl('the OAuth redirect URL, e.g. https://bridge.example.com/slack/oauth_redirect').optional(),
  SLACK_SIGNING_SECRET: z.string().trim().min(1).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .trim()
    .regex(/^xapp-\S+$/, { message: 'does not look like an app-level token (expected a value starting with xapp-)' })
    .optional(),
  SLACK_API_URL: httpUrl('the Slack Web API base, e.g. https://slack.com/api/').optional(),
  DIFY_API_URL: httpUrl('the Dify Service API base, e.g. https://api.dify.ai/v1').optional(),
  DIFY_API_KEY: z.string().trim().min(1).optional(),
  DIFY_FILES_URL: z
    .string()
    .trim()
    .refine((v) => v.split(',').every((u) => /^https?:\/\//.test(u.trim()) && URL.canParse(u.trim())), {
      message: "is not a list of http(s) URLs (Dify's FILES_URL, e.g. https://files.dify.example.com)",
    })
    .optional(),
  METRICS_TOKEN: z.string().trim().min(16, { message: 'is too short (expected 16 or more random characters)' }).optional(),
  BRIDGE_CONFIG: z.string().trim().min(1).optional(),
  PORT: intIn(0, 65535, 'a TCP port').optional(),
  HOST: z.string().trim().min(1).optional(),
  STORE_URL: z
    .string()
    .trim()
    .refine((v) => /^sqlite:.+$/.test(v) || v === 'memory:' || (/^rediss?:\/\/\S+$/.test(v) && URL.canParse(v)), {
      message: 'is not a supported store (expected sqlite:PATH, redis://HOST:PORT or memory:)',
    })
    .optional(),
  STREAM_MODE: z.enum(['auto', 'native', 'edit', 'off'], { message: 'is not a stream mode (expected auto, native, edit or off)' }).optional(),
  STREAM_INTERVAL_MS: intIn(100, 60_000, 'milliseconds between two edits of one message').optional(),
  SLACK_EDITS_PER_MINUTE: intIn(1, 100_000, "chat.update calls a minute per workspace (Slack's Tier 3 is about 50)").optional(),
  STOP_ALLOWED: z.enum(['asker', 'anyone'], { message: 'is not a stop policy (expected asker or anyone)' }).optional(),
  SHUTDOWN_TIMEOUT_MS: intIn(0, 600_000, 'milliseconds running answers get to finish on shutdown').optional(),
  RUN_LEASE_MS: intIn(1000, 600_000, 'milliseconds before another process takes over a workflow run whose process died').optional(),
  DIFY_IDLE_TIMEOUT_MS: intIn(1000, 3_600_000, 'milliseconds of silence after which a Dify stream is given up').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `is not a log level (expected one of ${LOG_LEVELS.join(', ')})` }).optional(),
  EXTENSION_API_KEY: z.string().trim().min(5, { message: 'is too short (Dify requires at least 5 characters)' }).optional(),
  EXTENSION_PATH: z
    .string()
    .trim()
    .regex(/^\/\S*$/, { message: 'must be a path starting with /' })
    .optional(),
});

/** SLACK_ENCRYPTION_KEY as 32 bytes (hex or base64), or undefined. */
function encryptionKey(value: string): Buffer | undefined {
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}

/** A channel's route as the core reads it: the app by channel, and the channels answered without a mention. */
function routes(
  entries: Record<string, z.infer<typeof channelRouteSchema>>,
): Pick<ChatRouting, 'channels' | 'respondAll' | 'noThreadContext' | 'privateAnswers'> {
  const channels: Record<string, string> = {};
  const respondAll: string[] = [];
  const noThreadContext: string[] = [];
  const privateAnswers: string[] = [];
  for (const [channel, route] of Object.entries(entries)) {
    channels[channel] = typeof route === 'string' ? route : route.app;
    if (typeof route !== 'string' && route.respond === 'all') respondAll.push(channel);
    if (typeof route !== 'string' && route.threadContext === 'none') noThreadContext.push(channel);
    if (typeof route !== 'string' && route.answer === 'private') privateAnswers.push(channel);
  }
  return { channels, respondAll, noThreadContext, privateAnswers };
}

/** zod leaves absent optional keys as undefined; the config types say "absent". */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

const OAUTH_VARIABLES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'SLACK_ENCRYPTION_KEY'] as const;

/** "30/hour", "200/day", "5/minute". */
const rateSchema = z
  .string()
  .regex(/^\s*\d+\s*\/\s*(minute|hour|day)\s*$/, { message: 'is not a rate (expected like "30/hour": a number, then /minute, /hour or /day)' })
  .transform((text) => {
    const [count, unit] = text.split('/').map((p) => p.trim()) as [string, 'minute' | 'hour' | 'day'];
    return { count: Number(count), windowMs: { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit], text: `${Number(count)}/${unit}` };
  })
  .refine((r) => r.count > 0, { message: 'allows nothing (expected at least 1 per window)' });

const limitsSchema = z.strictObject({ perUser: rateSchema.optional(), perChannel: rateSchema.optional() });

const accessSchema = z.strictObject({
  users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, { message: 'is not a Slack user id (U… or W…)' })).optional(),
  userGroups: z.array(z.string().regex(/^(?:S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]*)$/, { message: 'is not a user group id (S…) or handle (@oncall)' })).optional(),
  channels: z.array(z.string().regex(/^[CGD][A-Z0-9]+$/, { message: 'is not a Slack channel id (C…, G… or D…)' })).optional(),
  guests: z.boolean().default(false),
  external: z.boolean().default(false),
});

const appSchema = z.strictObject({
  type: z.enum(['chat', 'workflow', 'completion'], { message: 'is not an app type (expected chat, workflow or completion)' }),
  apiKey: z.string({ message: 'is missing (expected the app API key, or "${ENV_VAR}")' }).min(1, {
    message: 'is empty (expected the app API key, or "${ENV_VAR}")',
  }),
  apiUrl: httpUrl('the Dify Service API base ending in /v1').optional(),
  description: z.string().optional(),
  command: z
    .string()
    .regex(/^\/[a-z0-9][a-z0-9_-]{0,30}$/, { message: 'is not a slash command (expected "/" then up to 31 lowercase letters, digits, - or _)' })
    .refine((c) => c !== '/dify', { message: 'is /dify, which the bridge uses for every app' })
    .optional(),
  access: accessSchema.optional(),
  limits: limitsSchema.optional(),
  persona: z
    .union(
      [
        z.literal(false),
        z.strictObject({
          name: z.string().trim().min(1).max(80, { message: 'is longer than 80 characters' }).optional(),
          iconUrl: httpUrl('an https URL of a square image Slack can fetch').optional(),
          iconEmoji: z
            .string()
            .regex(/^:[a-z0-9_+'-]+:$/, { message: 'is not a Slack emoji name (":robot_face:")' })
            .optional(),
        }),
      ],
      { message: 'is not false or {"name": "…", "iconUrl": "https://…"}' },
    )
    .optional(),
  showReasoning: z.boolean().optional(),
  maxRunMinutes: z.number().int({ message: 'is not a whole number of minutes' }).min(1).max(1440, { message: 'is more than a day (1440 minutes)' }).optional(),
  difyAppId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: "is not a Dify app id (the UUID in the app's URL in Dify)" })
    .optional(),
  annotations: z
    .strictObject({
      editors: z
        .array(
          z.string().regex(/^(?:[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]*)$/, {
            message: 'is not a Slack user id (U…), user group id (S…) or group handle (@editors)',
          }),
        )
        .min(1, { message: 'is empty (expected the people and groups who may save approved answers)' }),
    })
    .optional(),
  // `true` is the step with its defaults; an object says what differs (its own errors, field by field).
  workflowStep: z
    .preprocess(
      (v) => (v === true ? {} : v),
      z.strictObject(
        {
          title: z.string().trim().min(1).max(100, { message: 'is longer than 100 characters' }).optional(),
          description: z.string().trim().min(1).max(200, { message: 'is longer than 200 characters' }).optional(),
          outputs: z
            .record(
              z.string().regex(/^[a-z_][a-z0-9_]{0,49}$/i, { message: 'is not an output name (letters, digits and _, as in the End node)' }),
              z.enum(['string', 'number', 'integer', 'boolean'], { message: 'is not an output type (expected string, number, integer or boolean)' }),
            )
            .refine((o) => Object.keys(o).length <= 40, { message: 'has more than 40 outputs (a step has at most 50 parameters)' })
            .refine((o) => !('text' in o) && !('run_id' in o), { message: 'names text or run_id, which every step already hands on' })
            .optional(),
          trustRunFor: z.boolean().optional(),
        },
        { error: (issue) => (issue.code === 'invalid_type' ? 'is not true or {"title": "…", "outputs": {"name": "string"}}' : undefined) },
      ),
    )
    .optional(),
  humanInput: z
    .strictObject({
      approvers: z.union(
        [
          z.enum(['asker', 'anyone']),
          z
            .array(
              z.string().regex(/^(?:[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]*)$/, {
                message: 'is not a Slack user id (U…), user group id (S…) or group handle (@oncall)',
              }),
            )
            .min(1, { message: 'is empty (expected "asker", "anyone", or a list of people and groups)' }),
        ],
        { message: 'is not "asker", "anyone" or a list of people and groups (["U…", "S…", "@handle"])' },
      ),
    })
    .optional(),
});

/** A channel's route: the app's name, or the app and how the channel works. */
const channelRouteSchema = z.union(
  [
    z.string(),
    z.strictObject({
      app: z.string({ message: 'is missing (expected the chat app that answers in this channel)' }),
      respond: z.enum(['mention', 'all'], { message: 'is not mention or all' }).default('mention'),
      threadContext: z.enum(['thread', 'none'], { message: 'is not thread or none' }).default('thread'),
      answer: z.enum(['thread', 'private'], { message: 'is not thread or private' }).default('thread'),
    }),
  ],
  { message: 'is not an app name or {"app": "…", "respond": "mention" | "all", "threadContext": "thread" | "none", "answer": "thread" | "private"}' },
);

const chatSchema = z.strictObject({
  default: z.string().optional(),
  channels: z.record(z.string().regex(/^[CGD][A-Z0-9]+$/, { message: 'channel keys are Slack channel ids (C…, G…)' }), channelRouteSchema).optional(),
});

export const bridgeFileSchema = z.strictObject({
  apps: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'app names use letters, digits, - and _' }), appSchema, {
    message: 'is missing (expected an object of apps: {"name": {"type": "chat", "apiKey": "..."}})',
  }),
  chat: chatSchema.optional(),
  /** DMs with the bot (default true). */
  dms: z.boolean().optional(),
  /** A DM is one conversation (single, the default), or one per DM thread. */
  dm: z.enum(['single', 'thread'], { message: 'is not single or thread' }).optional(),
  /** Quotas for every app. */
  limits: limitsSchema.optional(),
  /** Message shortcuts: the chat app that writes "Summarize thread" summaries. */
  shortcuts: z.strictObject({ summarize: z.string().min(1).optional() }).optional(),
  /** Multi-workspace mode: a workspace's own chat routing, by team id. */
  workspaces: z
    .record(z.string(), z.strictObject({ chat: chatSchema }))
    .superRefine((workspaces, ctx) => {
      for (const team of Object.keys(workspaces)) {
        if (!/^[TE][A-Z0-9]+$/.test(team)) ctx.addIssue({ code: 'custom', path: [team], message: 'workspace keys are Slack team ids (T…)' });
      }
    })
    .optional(),
  moderation: z
    .strictObject({
      block: z
        .array(
          z.strictObject({
            keywords: z.array(z.string()).default([]),
            patterns: z.array(z.string()).default([]),
            response: z.string({ message: 'is missing (expected the answer Dify gives instead)' }).min(1),
          }),
        )
        .default([]),
      redact: z
        .strictObject({
          presets: z
            .array(z.enum(PRESET_NAMES, { message: `is not a preset (expected ${PRESET_NAMES.join(', ')})` }))
            .default(DEFAULT_MODERATION.redact.presets),
          patterns: z.array(z.string()).default([]),
          replacement: z.string().default(DEFAULT_MODERATION.redact.replacement),
        })
        .default(DEFAULT_MODERATION.redact),
    })
    .optional(),
  context: z
    .strictObject({
      threadMaxChars: z.number().int().min(200, { message: 'is too small (expected at least 200)' }).max(200_000).default(4000),
    })
    .optional(),
});

/** Every configured regex must compile: a typo is a start-up error, not a failing moderation call. */
function checkPatterns(m: ModerationConfig, problems: string[]): void {
  const check = (where: string, source: string, flags: string) => {
    const r = compilePattern(source, flags);
    if (typeof r === 'string') problems.push(`BRIDGE_CONFIG ${where}: is not a valid regular expression (${r})`);
  };
  m.block.forEach((rule, i) => rule.patterns.forEach((p, j) => check(`moderation.block[${i}].patterns[${j}]`, p, 'iu')));
  m.redact.patterns.forEach((p, j) => check(`moderation.redact.patterns[${j}]`, p, 'giu'));
}

/** `${VAR}` in a value of the file, from the environment (npm run manifest reads step apps' keys this way). */
export function expandFromEnvironment(value: unknown, env: Env, path: string): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  return { value: expandVariables(value, env, path, problems), problems };
}

/** `${VAR}` in any string of the file is replaced from the environment, so secrets stay out of it. */
function expandVariables(value: unknown, env: Env, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined || v === '') {
        problems.push(`BRIDGE_CONFIG ${path}: \${${name}} is not set in the environment (expected ${name} to hold the value)`);
        return `\${${name}}`; // left as written, so the same mistake is not reported twice
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandVariables(v, env, `${path}[${i}]`, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, env, path ? `${path}.${k}` : k, problems)]));
  }
  return value;
}

function normalizeBase(url: string): string {
  return url.replace(/\/+$/, '');
}

export function loadConfig(env: Env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ConfigResult {
  const problems: string[] = [];
  // Empty values in .env mean "not set", like most dotenv users expect.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsedEnv = envSchema.safeParse(cleaned, { reportInput: true });
  if (!parsedEnv.success) problems.push(...describeIssues('', parsedEnv.error, (p) => p.map(String).join('.')));
  const e = parsedEnv.success ? parsedEnv.data : undefined;

  // One workspace (a bot token) or many (Slack's OAuth install flow), never both.
  const oauthSet = OAUTH_VARIABLES.filter((v) => cleaned[v]);
  if (oauthSet.length > 0) {
    for (const v of OAUTH_VARIABLES) if (!cleaned[v]) problems.push(`${v}: is not set (multi-workspace mode needs ${OAUTH_VARIABLES.join(', ')})`);
    if (cleaned['SLACK_BOT_TOKEN'])
      problems.push('SLACK_BOT_TOKEN: is set together with SLACK_CLIENT_ID (expected one: a bot token for one workspace, or the OAuth variables for many)');
  } else if (!cleaned['SLACK_BOT_TOKEN']) {
    problems.push(
      'SLACK_BOT_TOKEN: is not set (expected the bot token from OAuth & Permissions, starting with xoxb-; or SLACK_CLIENT_ID and friends for several workspaces)',
    );
  }

  if (!cleaned['SLACK_APP_TOKEN'] && !cleaned['SLACK_SIGNING_SECRET']) {
    problems.push('SLACK_SIGNING_SECRET: is not set (expected the signing secret from Basic Information; or set SLACK_APP_TOKEN for Socket Mode)');
  }

  const defaultUrl = normalizeBase(e?.DIFY_API_URL ?? DEFAULT_DIFY_URL);
  const apps: Record<string, DifyAppConfig> = {};
  let chatDefault: string | undefined;
  let defaultSource: ChatRouting['defaultSource'];
  const fileApps = new Set<string>();
  let channels: Record<string, string> = {};
  let respondAll: string[] = [];
  let noThreadContext: string[] = [];
  let privateAnswers: string[] = [];
  let dm: Config['dm'] = 'single';
  let dms = true;
  let limits: Limits = {};
  let summarize: string | undefined;
  let workspaces: Record<string, { chat: ChatRouting }> = {};
  let moderation: ModerationConfig = DEFAULT_MODERATION;
  let threadMaxChars = 4000;

  const fileProblemsBefore = problems.length;
  if (e?.BRIDGE_CONFIG) {
    let raw: unknown;
    try {
      const json = parseJsonText(readFile(e.BRIDGE_CONFIG));
      if (json.ok) raw = json.value;
      else problems.push(`BRIDGE_CONFIG ${e.BRIDGE_CONFIG}: ${json.reason}`);
    } catch {
      problems.push(`BRIDGE_CONFIG ${e.BRIDGE_CONFIG}: cannot be read (expected a readable JSON file)`);
    }
    if (raw !== undefined) {
      const expanded = expandVariables(raw, env, '', problems);
      const parsed = bridgeFileSchema.safeParse(expanded, { reportInput: true });
      if (!parsed.success) {
        problems.push(...describeIssues('BRIDGE_CONFIG ', parsed.error, (p) => p.map(String).join('.') || '(top level)'));
      } else {
        for (const [name, app] of Object.entries(parsed.data.apps)) {
          fileApps.add(name);
          apps[name] = {
            type: app.type,
            apiKey: app.apiKey,
            apiUrl: app.apiUrl ? normalizeBase(app.apiUrl) : defaultUrl,
            ...(app.description ? { description: app.description } : {}),
            ...(app.command ? { command: app.command } : {}),
            ...(app.humanInput ? { humanInput: app.humanInput } : {}),
            ...(app.access ? { access: withoutUndefined(app.access) } : {}),
            ...(app.limits ? { limits: withoutUndefined(app.limits) } : {}),
            ...(app.persona !== undefined ? { persona: app.persona === false ? false : withoutUndefined(app.persona) } : {}),
            ...(app.showReasoning !== undefined ? { showReasoning: app.showReasoning } : {}),
            ...(app.annotations ? { annotations: app.annotations } : {}),
            ...(app.difyAppId ? { difyAppId: app.difyAppId.toLowerCase() } : {}),
            ...(app.maxRunMinutes !== undefined ? { maxRunMinutes: app.maxRunMinutes } : {}),
            ...(app.workflowStep !== undefined ? { workflowStep: withoutUndefined(app.workflowStep) } : {}),
          };
        }
        chatDefault = parsed.data.chat?.default;
        ({ channels, respondAll, noThreadContext, privateAnswers } = routes(parsed.data.chat?.channels ?? {}));
        workspaces = Object.fromEntries(
          Object.entries(parsed.data.workspaces ?? {}).map(([team, w]) => [
            team,
            { chat: { ...(w.chat.default ? { default: w.chat.default } : {}), ...routes(w.chat.channels ?? {}) } },
          ]),
        );
        if (parsed.data.dms !== undefined) dms = parsed.data.dms;
        if (parsed.data.dm) dm = parsed.data.dm;
        if (parsed.data.limits) limits = withoutUndefined(parsed.data.limits);
        summarize = parsed.data.shortcuts?.summarize;
        if (parsed.data.moderation) {
          moderation = parsed.data.moderation;
          checkPatterns(moderation, problems);
        }
        if (parsed.data.context) threadMaxChars = parsed.data.context.threadMaxChars;
      }
    }
  }

  const fileFailed = problems.length > fileProblemsBefore;
  const difyKey = cleaned['DIFY_API_KEY']?.trim();
  if (difyKey && !apps['default']) {
    apps['default'] = { type: 'chat', apiKey: difyKey, apiUrl: defaultUrl };
  }

  const requireChatApp = (where: string, name: string) => {
    const app = apps[name];
    if (!app) problems.push(`BRIDGE_CONFIG ${where}: "${name}" is not an app in "apps" (expected one of ${Object.keys(apps).join(', ') || 'none'})`);
    else if (app.type !== 'chat') problems.push(`BRIDGE_CONFIG ${where}: "${name}" is a ${app.type} app (expected a chat app)`);
  };
  // Cross-checks only make sense with a readable app list; other problems are still all reported.
  if (!fileFailed && !(cleaned['BRIDGE_CONFIG'] && !e)) {
    const chatApps = Object.entries(apps)
      .filter(([, a]) => a.type === 'chat')
      .map(([n]) => n);
    if (Object.keys(apps).length === 0) {
      problems.push('DIFY_API_KEY: is not set (expected a Dify chat app API key, or BRIDGE_CONFIG naming your apps)');
    }
    if (chatDefault) {
      requireChatApp('chat.default', chatDefault);
      defaultSource = 'chat.default';
    } else if (apps['default']?.type === 'chat') {
      chatDefault = 'default';
      defaultSource = !fileApps.has('default') ? 'DIFY_API_KEY' : 'the app named default';
    } else if (chatApps.length === 1) {
      chatDefault = chatApps[0];
      defaultSource = 'the only chat app';
    }
    for (const [channel, name] of Object.entries(channels)) requireChatApp(`chat.channels.${channel}`, name);
    if (summarize) requireChatApp('shortcuts.summarize', summarize);
    for (const [team, w] of Object.entries(workspaces)) {
      if (w.chat.default) requireChatApp(`workspaces.${team}.chat.default`, w.chat.default);
      for (const [channel, name] of Object.entries(w.chat.channels)) requireChatApp(`workspaces.${team}.chat.channels.${channel}`, name);
    }
    for (const [name, app] of Object.entries(apps)) {
      if (app.workflowStep && app.type !== 'workflow')
        problems.push(`BRIDGE_CONFIG apps.${name}.workflowStep: "${name}" is a ${app.type} app (only workflow apps can be Workflow Builder steps)`);
    }
    const commands = new Map<string, string>();
    for (const [name, app] of Object.entries(apps)) {
      if (!app.command) continue;
      const other = commands.get(app.command);
      if (other) problems.push(`BRIDGE_CONFIG apps.${name}.command: ${app.command} is already the command of "${other}" (expected one command per app)`);
      commands.set(app.command, name);
    }
  }

  if (problems.length > 0 || !e) return { ok: false, problems };

  return {
    ok: true,
    config: {
      slack: {
        ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
        ...(e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET && e.SLACK_STATE_SECRET && e.SLACK_ENCRYPTION_KEY
          ? {
              oauth: {
                clientId: e.SLACK_CLIENT_ID,
                clientSecret: e.SLACK_CLIENT_SECRET,
                stateSecret: e.SLACK_STATE_SECRET,
                encryptionKey: encryptionKey(e.SLACK_ENCRYPTION_KEY)!,
                ...(e.SLACK_ENCRYPTION_KEY_PREVIOUS ? { previousKey: encryptionKey(e.SLACK_ENCRYPTION_KEY_PREVIOUS)! } : {}),
                ...(e.SLACK_REDIRECT_URI ? { redirectUri: e.SLACK_REDIRECT_URI } : {}),
              },
            }
          : {}),
        ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
        ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
        ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/` } : {}),
      },
      dify: {
        apps,
        timeouts: { connectMs: 10_000, idleMs: e.DIFY_IDLE_TIMEOUT_MS ?? 60_000, blockingMs: 300_000 },
        fileOrigins: (e.DIFY_FILES_URL ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean)
          .map((u) => new URL(u).origin),
      },
      chat: {
        ...(chatDefault ? { default: chatDefault } : {}),
        ...(chatDefault && defaultSource ? { defaultSource } : {}),
        channels,
        respondAll,
        noThreadContext,
        privateAnswers,
      },
      dms,
      dm,
      limits,
      shortcuts: summarize ? { summarize } : {},
      workspaces,
      server: { port: e.PORT ?? 3000, host: e.HOST ?? '0.0.0.0', ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}) },
      store: { url: e.STORE_URL ?? 'sqlite:./data/bridge.db' },
      stream: { mode: e.STREAM_MODE ?? 'auto', intervalMs: e.STREAM_INTERVAL_MS ?? 1000, placeholderDelayMs: 1000 },
      slackEditsPerMinute: e.SLACK_EDITS_PER_MINUTE ?? 50,
      stopPolicy: e.STOP_ALLOWED ?? 'asker',
      difyBusyRetryMs: 2000,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS ?? 25_000,
      runLeaseMs: e.RUN_LEASE_MS ?? 30_000,
      logLevel: e.LOG_LEVEL ?? 'info',
      extension: {
        ...(e.EXTENSION_API_KEY ? { apiKey: e.EXTENSION_API_KEY } : {}),
        path: e.EXTENSION_PATH ?? '/api/dify/receive',
      },
      moderation,
      context: { threadMaxChars },
    },
  };
}
