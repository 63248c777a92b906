import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockErrors, viewErrors, viewLookProblems } from './block-kit.js';

let lastTs = 0;
/** A Slack-style ts from the clock (seconds.microseconds), strictly increasing across the test process. */
export function slackTs(): string {
  lastTs = Math.max(lastTs + 1, Date.now() * 1000);
  return `${Math.floor(lastTs / 1e6)}.${String(lastTs % 1e6).padStart(6, '0')}`;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** What Slack shows now (markdown_text or text). */
  text: string;
  /** Every text the message showed, first post first. */
  history: string[];
  deleted: boolean;
  metadata?: unknown;
  /** Being streamed natively (chat.startStream … stopStream). */
  streaming?: boolean;
  /** Stopped with Slack's own stop button: appends are refused with stopped_by_user. */
  stoppedByUser?: boolean;
  /** Chunks appended to the stream (task_update …). */
  chunks?: Array<Record<string, unknown>>;
  appends?: number;
  /** The message's blocks now (buttons included). */
  blocks?: Array<Record<string, unknown>>;
  /** Who it shows as, when posted with username / icon_* and the chat:write.customize scope (Slack ignores them without). */
  username?: string;
  icon?: string;
  postedAt: number;
  updatedAt: number[];
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeFile {
  id: string;
  filename: string;
  bytes: Buffer;
  title?: string;
  channel?: string;
  thread_ts?: string;
}

export interface FakeCall {
  /** Counted against the update limit. */
  accepted?: boolean;
  method: string;
  args: Record<string, unknown>;
  auth: string | undefined;
  at: number;
}

/** Returns a response to send instead of the normal one, or undefined to proceed. */
export type Interceptor = (call: FakeCall) => { status?: number; headers?: Record<string, string>; body: unknown } | undefined;

const TASK_STATUSES = new Set(['pending', 'in_progress', 'complete', 'error']);

/**
 * What Slack says of a stream's chunks (@slack/types chunk.ts: markdown_text, plan_update,
 * task_update with url sources); undefined when they are valid.
 */
export function chunkErrors(chunks: unknown): string | undefined {
  if (chunks === undefined) return undefined;
  if (!Array.isArray(chunks)) return 'chunks is not an array';
  for (const [i, c] of (chunks as unknown[]).entries()) {
    if (!c || typeof c !== 'object') return `chunks[${i}] is not an object`;
    const chunk = c as Record<string, unknown>;
    const str = (k: string) => typeof chunk[k] === 'string' && chunk[k].length > 0;
    const optStr = (k: string) => chunk[k] === undefined || typeof chunk[k] === 'string';
    switch (chunk['type']) {
      case 'markdown_text':
        if (!str('text')) return `chunks[${i}].text is missing`;
        break;
      case 'plan_update':
        if (!str('title')) return `chunks[${i}].title is missing`;
        break;
      case 'task_update': {
        if (!str('id') || !str('title')) return `chunks[${i}] needs id and title`;
        if (!TASK_STATUSES.has(String(chunk['status']))) return `chunks[${i}].status is not pending, in_progress, complete or error`;
        if (!optStr('details') || !optStr('output')) return `chunks[${i}] details and output are strings`;
        const sources = chunk['sources'];
        if (sources !== undefined) {
          if (!Array.isArray(sources)) return `chunks[${i}].sources is not an array`;
          for (const s of sources as Array<Record<string, unknown>>) {
            if (s['type'] !== 'url' || typeof s['url'] !== 'string' || !/^https?:\/\//.test(s['url']) || typeof s['text'] !== 'string' || !s['text'])
              return `chunks[${i}].sources holds an element that is not {type: "url", url, text}`;
          }
        }
        const extra = Object.keys(chunk).filter((k) => !['type', 'id', 'title', 'status', 'details', 'output', 'sources'].includes(k));
        if (extra.length) return `chunks[${i}] has unknown fields: ${extra.join(', ')}`;
        break;
      }
      default:
        return `chunks[${i}].type ${String(chunk['type'])} is not a chunk type`;
    }
  }
  return undefined;
}

/**
 * A loopback stand-in for Slack's Web API: parses form or JSON bodies like Slack, applies
 * posts, edits and deletes to an in-memory workspace so tests can assert what a user sees,
 * and enforces the limits the bridge must respect.
 */
export class FakeSlack {
  readonly botUserId = 'UBOT';
  readonly botId = 'BBOT';
  readonly token = 'xoxb-test-token';
  readonly appToken = 'xapp-1-A1-test-app-token';
  /** Where apps.connections.open sends Socket Mode clients. */
  socketUrl = '';
  readonly messages: FakeMessage[] = [];
  readonly calls: FakeCall[] = [];
  /** Home tabs published (views.publish), by user. */
  readonly homeViews = new Map<string, Record<string, unknown>>();
  /** Channels the bot is not a member of. */
  readonly notInChannel = new Set<string>();
  markdownLimit = 12_000;
  /** The bot token's scopes (x-oauth-scopes on every answer): what manifest.json asks for. */
  grantedScopes: string[] = (
    JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { oauth_config: { scopes: { bot: string[] } } }
  ).oauth_config.scopes.bot;
  /** The app is an agent app (manifest.json declares features.agent_view), as Slack sees it. */
  agentApp =
    (JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { features: Record<string, unknown> }).features['agent_view'] !==
    undefined;
  /** Private lines (chat.postEphemeral): who saw what, where. */
  readonly ephemerals: Array<{
    channel: string;
    user: string;
    text: string;
    thread_ts?: string;
    ts?: string;
    blocks?: Array<Record<string, unknown>>;
    username?: string;
    icon?: string;
  }> = [];
  /** Agent session titles set, by "channel:thread_ts". */
  readonly sessionTitles = new Map<string, string>();
  /** Agent session statuses set, by "channel:thread_ts", in order. */
  readonly sessions = new Map<string, string[]>();
  /** User groups by id: their handle and members. */
  readonly userGroups = new Map<string, { handle: string; users: string[] }>();
  /** A free plan: user group methods answer plan_upgrade_required. */
  freePlan = false;
  /** Suggested prompts a person sees in a DM (only where the call took effect), by channel. */
  readonly suggestedPrompts = new Map<string, Array<{ title: string; message: string }>>();
  /** Block types this workspace refuses (invalid_blocks), as where an AI feature is missing. */
  readonly refusedBlockTypes = new Set<string>();
  /** Whether chat.startStream works here (else it answers `nativeError`). */
  nativeStreaming = false;
  nativeError = 'not_allowed';
  /** A stream expires (message_not_in_streaming_state) after this many appends. */
  streamExpiresAfterAppends = Number.POSITIVE_INFINITY;
  /** When set, chat.update answers 429 past this many calls in any 60 s window (per workspace, like Tier 3). */
  updateLimitPerMinute?: number;
  /** 429s this fake sent. */
  rateLimited = 0;
  /** Posts to response URLs (slash commands), by URL id. */
  readonly responses: FakeResponse[] = [];
  /** Modals opened with views.open. */
  readonly views: Array<Record<string, unknown>> = [];
  /** Files uploaded by the bridge. */
  readonly files = new Map<string, FakeFile>();
  /** Files users "shared", served at url_private_download (with the bot token only). */
  readonly userFiles = new Map<string, { bytes: Buffer; mimetype: string; name?: string }>();
  /** Custom step executions (Workflow Builder), by function_execution_id. */
  readonly executions = new Map<string, FakeExecution>();
  /** Workspace members for users.info. */
  readonly users = new Map<string, Record<string, unknown>>([
    [
      'UALICE',
      {
        id: 'UALICE',
        name: 'alice',
        real_name: 'Alice Martin',
        tz: 'Europe/Paris',
        tz_label: 'Central European Time',
        tz_offset: 3600,
        profile: { display_name: 'Alice', real_name: 'Alice Martin', title: 'Site reliability engineer' },
      },
    ],
    [
      'UBOB',
      {
        id: 'UBOB',
        name: 'bob',
        real_name: 'Bob Stone',
        tz: 'America/New_York',
        tz_label: 'Eastern Standard Time',
        tz_offset: -18000,
        profile: { display_name: '', real_name: 'Bob Stone', title: '' },
      },
    ],
    ['UBOT', { id: 'UBOT', name: 'dify', real_name: 'Dify', is_bot: true, profile: { display_name: 'Dify', real_name: 'Dify' } }],
  ]);
  /** Channels for conversations.info. */
  readonly channels = new Map<string, Record<string, unknown>>([
    [
      'C1',
      { id: 'C1', name: 'general', is_im: false, topic: { value: 'Company-wide announcements' }, purpose: { value: 'Everything that concerns everyone' } },
    ],
    ['D1', { id: 'D1', is_im: true }],
  ]);
  /** Messages users wrote, for conversations.replies (the bridge's own posts are added automatically). */
  readonly userMessages: Array<{ channel: string; ts: string; thread_ts?: string; user: string; text: string }> = [];
  /** Authorization headers sent to the user-file URLs, to check where the token goes. */
  readonly fileAuth: Array<string | undefined> = [];
  interceptors: Interceptor[] = [];
  /** Other workspaces' bot tokens (multi-workspace mode), by token. */
  readonly workspaceTokens = new Map<string, { teamId: string; teamName: string; botUserId: string }>();
  /** OAuth codes Slack would hand out after "Allow", each for one workspace (oauth.v2.access). */
  readonly oauthCodes = new Map<string, { teamId: string; teamName: string; token: string; botUserId: string }>();
  readonly clientId = '1111.2222';
  readonly clientSecret = 'fake-client-secret-0123';
  private server?: Server;
  private seq = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Visible replies in a thread (or a channel's top level when threadTs is undefined), oldest first. */
  /** A person presses Slack's own stop button on a natively streamed message. */
  pressNativeStop(m: FakeMessage): void {
    if (!m.streaming) throw new Error(`message ${m.ts} is not streaming`);
    m.stoppedByUser = true;
  }

  replies(channel: string, threadTs?: string): FakeMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs && !m.deleted);
  }

  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/api/')) return this.handleOther(req, res, url, Buffer.concat(chunks));
    const method = url.pathname.replace(/^\/api\//, '');
    let args: Record<string, unknown> = {};
    const type = req.headers['content-type'] ?? '';
    if (type.includes('application/json')) args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    else {
      for (const [k, v] of new URLSearchParams(raw)) {
        // Slack's clients send objects (blocks, chunks, metadata) as JSON strings.
        args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
      }
    }
    const call: FakeCall = { method, args, auth: req.headers.authorization, at: Date.now() };
    this.calls.push(call);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-oauth-scopes': this.grantedScopes.join(','), ...headers });
      res.end(JSON.stringify(body));
    };
    if (method === 'apps.connections.open') {
      if (call.auth !== `Bearer ${this.appToken}`) return send(200, { ok: false, error: 'invalid_auth' });
      return send(200, this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'socket_mode_disabled' });
    }
    if (method === 'oauth.v2.access') return send(200, this.oauthAccess(args, req.headers.authorization));
    if (method === 'functions.completeSuccess' || method === 'functions.completeError') return send(200, this.completeExecution(method, args, call.auth));
    const workspace = this.workspaceTokens.get(String(call.auth ?? '').replace(/^Bearer /, ''));
    if (call.auth !== `Bearer ${this.token}` && !workspace) return send(200, { ok: false, error: 'invalid_auth' });
    if (method === 'auth.test' && workspace) {
      return send(200, {
        ok: true,
        url: `https://${workspace.teamName.toLowerCase()}.slack.com/`,
        team: workspace.teamName,
        user: 'bridge',
        team_id: workspace.teamId,
        user_id: workspace.botUserId,
        bot_id: `B${workspace.teamId}`,
        is_enterprise_install: false,
      });
    }
    if (method === 'chat.update' && this.updateLimitPerMinute !== undefined) {
      const recent = this.calls.filter((c) => c.method === 'chat.update' && c.at > call.at - 60_000 && c.accepted).length;
      if (recent >= this.updateLimitPerMinute) {
        this.rateLimited++;
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      }
      call.accepted = true;
    }
    for (const intercept of this.interceptors) {
      const r = intercept(call);
      if (r) return send(r.status ?? 200, r.body, r.headers);
    }
    send(200, this.apply(method, args));
  }

  /** Slack's side of the install flow: the app trades a code (and its client credentials) for a bot token. */
  private oauthAccess(args: Record<string, unknown>, basic: string | undefined): Record<string, unknown> {
    const fromBasic = basic?.startsWith('Basic ') ? Buffer.from(basic.slice(6), 'base64').toString().split(':') : [];
    const id = String(args['client_id'] ?? fromBasic[0] ?? '');
    const secret = String(args['client_secret'] ?? fromBasic[1] ?? '');
    if (id !== this.clientId) return { ok: false, error: 'invalid_client_id' };
    if (secret !== this.clientSecret) return { ok: false, error: 'bad_client_secret' };
    const grant = this.oauthCodes.get(String(args['code'] ?? ''));
    if (!grant) return { ok: false, error: 'invalid_code' };
    this.oauthCodes.delete(String(args['code']));
    this.workspaceTokens.set(grant.token, { teamId: grant.teamId, teamName: grant.teamName, botUserId: grant.botUserId });
    return {
      ok: true,
      app_id: 'A1',
      authed_user: { id: 'UALICE' },
      scope: this.grantedScopes.join(','),
      token_type: 'bot',
      access_token: grant.token,
      bot_user_id: grant.botUserId,
      team: { id: grant.teamId, name: grant.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  /** Problems the fake found in what the bridge sent, every one of them (a test can assert there were none). */
  readonly refusals: Array<{ error: string; messages: string[] }> = [];
  /** What Slack would show but reads wrong (a label Slack amends): accepted, and failed at the harness's close. */
  readonly lookProblems: string[] = [];

  /** A post's username and icon, as Slack shows them: only with chat:write.customize (without it Slack ignores them). */
  private identity(args: Record<string, unknown>): { username?: string; icon?: string } {
    if (!this.grantedScopes.includes('chat:write.customize')) return {};
    const icon = typeof args['icon_emoji'] === 'string' ? args['icon_emoji'] : typeof args['icon_url'] === 'string' ? args['icon_url'] : undefined;
    return { ...(typeof args['username'] === 'string' ? { username: args['username'] } : {}), ...(icon ? { icon } : {}) };
  }

  private refuse(error: string, messages: string[]): Record<string, unknown> {
    this.refusals.push({ error, messages });
    return { ok: false, error, errors: messages, response_metadata: { messages } };
  }

  /** A response_url for a slash command (served here, like hooks.slack.com). */
  responseUrl(id = `R${++this.seq}`): string {
    return `${this.url.replace(/\/api\/$/, '')}/commands/${id}`;
  }

  /**
   * A workflow runs a custom step: Slack issues a token for this execution alone (functions.* only)
   * and keeps the step's output parameters, which functions.completeSuccess is checked against.
   */
  startExecution(id: string, outputs: { properties: Record<string, { type: string }>; required?: string[] }): FakeExecution {
    const execution: FakeExecution = { id, token: `xwfp-${id}-${++this.seq}`, outputs, state: 'running' };
    this.executions.set(id, execution);
    return execution;
  }

  /** Ends an execution as Slack does: once, with outputs that match the step's output parameters. */
  private completeExecution(method: string, args: Record<string, unknown>, auth: string | undefined): Record<string, unknown> {
    const ex = this.executions.get(String(args['function_execution_id'] ?? ''));
    if (!ex) return { ok: false, error: 'function_execution_not_found' };
    if (auth !== `Bearer ${ex.token}`) return { ok: false, error: 'access_denied' };
    if (ex.state !== 'running') return { ok: false, error: 'execution_not_in_running_state' };
    if (method === 'functions.completeError') {
      if (typeof args['error'] !== 'string' || !args['error']) return { ok: false, error: 'invalid_arguments' };
      Object.assign(ex, { state: 'failed', error: args['error'] });
      return { ok: true };
    }
    const outputs = args['outputs'];
    if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs)) return { ok: false, error: 'invalid_arguments' };
    const problems: string[] = [];
    const given = outputs as Record<string, unknown>;
    for (const name of ex.outputs.required ?? []) if (given[name] === undefined) problems.push(`${name} is required`);
    for (const [name, value] of Object.entries(given)) {
      const type = ex.outputs.properties[name]?.type;
      if (!type) problems.push(`${name} is not an output parameter`);
      else if ((type === 'number' || type === 'integer') && (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))))
        problems.push(`${name} must be ${type}`);
      else if (type === 'boolean' && typeof value !== 'boolean') problems.push(`${name} must be boolean`);
      else if (type === 'string' && typeof value !== 'string') problems.push(`${name} must be string`);
    }
    if (problems.length) return { ok: false, error: 'parameter_validation_failed', errors: problems };
    Object.assign(ex, { state: 'completed', result: given });
    return { ok: true };
  }

  /** A user's file, downloadable with the bot token at the returned URL. */
  shareFile(id: string, bytes: Buffer, mimetype: string, name?: string): string {
    this.userFiles.set(id, { bytes, mimetype, ...(name ? { name } : {}) });
    return `${this.url.replace(/\/api\/$/, '')}/files-pri/${id}/download`;
  }

  responsesTo(id: string): FakeResponse[] {
    return this.responses.filter((r) => r.id === id);
  }

  private handleOther(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const cmd = /^\/commands\/([^/]+)$/.exec(url.pathname);
    if (cmd && req.method === 'POST') {
      const posted = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const problems = posted['blocks'] !== undefined ? blockErrors(posted['blocks'], 'Messages') : [];
      if (problems.length) {
        this.refusals.push({ error: 'invalid_blocks', messages: problems });
        res.writeHead(400, { 'content-type': 'text/plain' });
        return void res.end('invalid_blocks');
      }
      this.responses.push({ id: cmd[1]!, body: posted, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    }
    const upload = /^\/upload\/([^/]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const f = this.files.get(upload[1]!);
      if (!f || req.headers.authorization) {
        res.writeHead(400);
        return void res.end();
      }
      f.bytes = body;
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('OK - ' + body.length);
    }
    const file = /^\/files-pri\/([^/]+)\/download$/.exec(url.pathname);
    if (file) {
      this.fileAuth.push(req.headers.authorization);
      const f = this.userFiles.get(file[1]!);
      if (req.headers.authorization !== `Bearer ${this.token}` || !f) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html>sign in</html>');
      }
      res.writeHead(200, { 'content-type': f.mimetype, 'content-length': String(f.bytes.length) });
      return void res.end(f.bytes);
    }
    res.writeHead(404);
    res.end();
  }

  private apply(method: string, args: Record<string, unknown>): unknown {
    // Slack refuses blocks outside Block Kit's rules, naming each problem (see block-kit.ts).
    if (MESSAGE_METHODS.has(method) && args['blocks'] !== undefined) {
      const problems = blockErrors(args['blocks'], 'Messages');
      if (problems.length) return this.refuse('invalid_blocks', problems);
    }
    if (VIEW_METHODS.has(method)) {
      const problems = viewErrors(args['view']);
      if (problems.length) return this.refuse('invalid_arguments', problems);
      this.lookProblems.push(...viewLookProblems(args['view']));
    }
    // What a person sees: markdown_text, else the markdown blocks, else the text.
    const blocks = Array.isArray(args['blocks']) ? (args['blocks'] as Array<Record<string, unknown>>) : undefined;
    // Markdown blocks as written, a table block as the rows a person reads (cells | separated).
    const cellText = (c: Record<string, unknown>): string =>
      c['type'] === 'raw_text'
        ? String(c['text'])
        : ((c['elements'] as Array<{ elements?: Array<{ text?: string }> }> | undefined) ?? [])
            .flatMap((s) => (s.elements ?? []).map((e) => e.text ?? ''))
            .join('');
    const markdownBlocks = blocks
      ?.filter((b) => b['type'] === 'markdown' || b['type'] === 'table')
      .map((b) =>
        b['type'] === 'table'
          ? (b['rows'] as Array<Array<Record<string, unknown>>>)
              .flatMap((r, i) => [`| ${r.map(cellText).join(' | ')} |`, ...(i === 0 ? [`|${'---|'.repeat(r.length)}`] : [])])
              .join('\n')
          : String(b['text']),
      );
    const text =
      typeof args['markdown_text'] === 'string'
        ? args['markdown_text']
        : markdownBlocks && markdownBlocks.length > 0
          ? markdownBlocks.join('\n\n')
          : typeof args['text'] === 'string'
            ? args['text']
            : undefined;
    if ((method === 'chat.postMessage' || method === 'chat.update') && blocks?.some((b) => this.refusedBlockTypes.has(String(b['type'])))) {
      return { ok: false, error: 'invalid_blocks' };
    }
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'bridge', team_id: 'T1', user_id: this.botUserId, bot_id: this.botId };
      case 'chat.postMessage': {
        const channel = String(args['channel'] ?? '');
        if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        if (args['markdown_text'] !== undefined && (args['text'] !== undefined || args['blocks'] !== undefined)) {
          return { ok: false, error: 'markdown_text_conflict' };
        }
        if (text === undefined || text === '') return { ok: false, error: 'no_text' };
        if (text.length > this.markdownLimit) return { ok: false, error: 'msg_too_long' };
        const ts = slackTs();
        const thread = typeof args['thread_ts'] === 'string' ? args['thread_ts'] : undefined;
        this.messages.push({
          channel,
          ts,
          ...(thread ? { thread_ts: thread } : {}),
          ...this.identity(args),
          text,
          history: [text],
          deleted: false,
          ...(args['metadata'] ? { metadata: args['metadata'] } : {}),
          ...(blocks ? { blocks } : {}),
          postedAt: Date.now(),
          updatedAt: [],
        });
        return { ok: true, channel, ts, message: { text, ts } };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.ts === args['ts'] && x.channel === args['channel'] && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        if (text === undefined || text === '') return { ok: false, error: 'no_text' };
        if (text.length > this.markdownLimit) return { ok: false, error: 'msg_too_long' };
        if (blocks) m.blocks = blocks;
        else delete m.blocks;
        if (m.text !== text) m.history.push(text);
        m.text = text;
        m.updatedAt.push(Date.now());
        return { ok: true, channel: m.channel, ts: m.ts, text };
      }
      case 'chat.delete': {
        const m = this.messages.find((x) => x.ts === args['ts'] && x.channel === args['channel'] && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.deleted = true;
        return { ok: true, channel: m.channel, ts: m.ts };
      }
      case 'chat.startStream': {
        if (!this.nativeStreaming) return { ok: false, error: this.nativeError };
        const channel = String(args['channel'] ?? '');
        const thread = typeof args['thread_ts'] === 'string' ? args['thread_ts'] : undefined;
        if (!thread) return { ok: false, error: 'invalid_arguments' };
        if (!channel.startsWith('D') && !args['recipient_user_id']) return { ok: false, error: 'missing_recipient_user_id' };
        if (!channel.startsWith('D') && !args['recipient_team_id']) return { ok: false, error: 'missing_recipient_team_id' };
        const first = typeof args['markdown_text'] === 'string' ? args['markdown_text'] : '';
        const chunkProblem = chunkErrors(args['chunks']);
        if (chunkProblem) return { ok: false, error: 'invalid_chunks', detail: chunkProblem };
        const ts = slackTs();
        this.messages.push({
          channel,
          ts,
          thread_ts: thread,
          ...this.identity(args),
          text: first,
          history: [first],
          deleted: false,
          streaming: true,
          appends: 0,
          postedAt: Date.now(),
          updatedAt: [],
        });
        return { ok: true, channel, ts };
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const m = this.messages.find((x) => x.ts === args['ts'] && x.channel === args['channel'] && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        if (m.stoppedByUser && method === 'chat.appendStream') return { ok: false, error: 'stopped_by_user' };
        if (!m.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
        if (method === 'chat.appendStream' && (m.appends ?? 0) >= this.streamExpiresAfterAppends) {
          m.streaming = false;
          return { ok: false, error: 'message_not_in_streaming_state' };
        }
        const chunkProblem = chunkErrors(args['chunks']);
        if (chunkProblem) return { ok: false, error: 'invalid_chunks', detail: chunkProblem };
        if (Array.isArray(args['chunks'])) (m.chunks ??= []).push(...(args['chunks'] as Array<Record<string, unknown>>));
        const more = typeof args['markdown_text'] === 'string' ? args['markdown_text'] : '';
        if (more) {
          m.text += more;
          m.history.push(m.text);
          m.updatedAt.push(Date.now());
        }
        if (method === 'chat.appendStream') m.appends = (m.appends ?? 0) + 1;
        else {
          m.streaming = false;
          if (Array.isArray(args['blocks'])) m.blocks = args['blocks'] as Array<Record<string, unknown>>;
        }
        return { ok: true, channel: m.channel, ts: m.ts };
      }
      case 'assistant.threads.setStatus':
        return { ok: true };
      case 'chat.postEphemeral': {
        const channel = String(args['channel'] ?? '');
        if (!channel || typeof args['user'] !== 'string') return { ok: false, error: 'invalid_arguments' };
        if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
        this.ephemerals.push({
          channel,
          ...this.identity(args),
          user: args['user'],
          text: String(args['text'] ?? ''),
          ...(typeof args['thread_ts'] === 'string' ? { thread_ts: args['thread_ts'] } : {}),
          ...(Array.isArray(args['blocks']) ? { blocks: args['blocks'] as Array<Record<string, unknown>>, ts } : {}),
        });
        return { ok: true, message_ts: ts };
      }
      case 'agents.sessions.setStatus': {
        // Only apps declared as agents manage sessions (docs.slack.dev/ai/agent-sessions).
        if (!this.agentApp) return { ok: false, error: 'not_authorized' };
        const status = String(args['status'] ?? '');
        if (!['active', 'processing', 'suspended', 'closed'].includes(status)) return { ok: false, error: 'invalid_status' };
        if (typeof args['channel_id'] !== 'string' || !args['channel_id']) return { ok: false, error: 'channel_not_found' };
        const key = `${args['channel_id']}:${String(args['thread_ts'] ?? '')}`;
        this.sessions.set(key, [...(this.sessions.get(key) ?? []), status]);
        return { ok: true, status, agent_status: status, title: '' };
      }
      case 'agents.sessions.rename': {
        if (!this.agentApp) return { ok: false, error: 'not_authorized' };
        const title = String(args['title'] ?? '');
        if (title.length < 1 || title.length > 200) return { ok: false, error: 'invalid_name' };
        this.sessionTitles.set(`${String(args['channel_id'])}:${String(args['thread_ts'] ?? '')}`, title);
        return { ok: true, title };
      }
      case 'usergroups.list':
        if (!this.grantedScopes.includes('usergroups:read')) return { ok: false, error: 'missing_scope', needed: 'usergroups:read' };
        if (this.freePlan) return { ok: false, error: 'plan_upgrade_required' };
        return { ok: true, usergroups: [...this.userGroups].map(([id, g]) => ({ id, handle: g.handle, name: g.handle })) };
      case 'usergroups.users.list': {
        if (!this.grantedScopes.includes('usergroups:read')) return { ok: false, error: 'missing_scope', needed: 'usergroups:read' };
        if (this.freePlan) return { ok: false, error: 'plan_upgrade_required' };
        const g = this.userGroups.get(String(args['usergroup']));
        return g ? { ok: true, users: g.users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'assistant.threads.setSuggestedPrompts': {
        if (!Array.isArray(args['prompts']) || args['prompts'].length > 4) return { ok: false, error: 'invalid_arguments' };
        // "Including [thread_ts] in a call for an agent app will cause the call to silently fail"
        // (docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts).
        if (this.agentApp && args['thread_ts'] !== undefined) return { ok: true };
        this.suggestedPrompts.set(String(args['channel_id']), args['prompts'] as Array<{ title: string; message: string }>);
        return { ok: true };
      }
      case 'users.info': {
        const u = this.users.get(String(args['user']));
        return u ? { ok: true, user: u } : { ok: false, error: 'user_not_found' };
      }
      case 'conversations.info': {
        const id = String(args['channel']);
        const c = this.channels.get(id);
        // Slack says whether the bot is a member of a channel (not of a DM).
        return c ? { ok: true, channel: c['is_im'] === true ? c : { ...c, is_member: !this.notInChannel.has(id) } } : { ok: false, error: 'channel_not_found' };
      }
      case 'conversations.replies': {
        const channel = String(args['channel']);
        const ts = String(args['ts']);
        const all = [
          ...this.userMessages
            .filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts))
            .map((m) => ({ type: 'message', user: m.user, text: m.text, ts: m.ts, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) })),
          ...this.messages
            .filter((m) => m.channel === channel && m.thread_ts === ts && !m.deleted)
            .map((m) => ({
              type: 'message',
              user: this.botUserId,
              bot_id: this.botId,
              text: m.text,
              ts: m.ts,
              thread_ts: ts,
              ...(args['include_all_metadata'] && m.metadata ? { metadata: m.metadata } : {}),
            })),
        ].sort((a, b) => (a.ts < b.ts ? -1 : 1));
        return { ok: true, messages: all, has_more: false };
      }
      case 'conversations.history': {
        const channel = String(args['channel']);
        const top = this.messages
          .filter((m) => m.channel === channel && m.thread_ts === undefined && !m.deleted)
          .map((m) => ({
            type: 'message',
            user: this.botUserId,
            bot_id: this.botId,
            text: m.text,
            ts: m.ts,
            ...(args['include_all_metadata'] && m.metadata ? { metadata: m.metadata } : {}),
          }))
          .sort((a, b) => (a.ts < b.ts ? 1 : -1));
        return { ok: true, messages: top, has_more: false };
      }
      case 'views.publish': {
        if (typeof args['user_id'] !== 'string' || !args['user_id']) return { ok: false, error: 'invalid_arguments' };
        this.homeViews.set(args['user_id'], args['view'] as Record<string, unknown>);
        return { ok: true, view: { id: `VH${this.homeViews.size}`, ...(args['view'] as Record<string, unknown>) } };
      }
      case 'chat.getPermalink': {
        const m =
          this.messages.find((x) => x.ts === args['message_ts'] && x.channel === args['channel'] && !x.deleted) ??
          this.userMessages.find((x) => x.ts === args['message_ts'] && x.channel === args['channel']);
        if (!m) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel: m.channel, permalink: `https://fake.slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}` };
      }
      case 'conversations.open': {
        if (!this.grantedScopes.includes('im:write')) return { ok: false, error: 'missing_scope', needed: 'im:write' };
        const user = String(args['users'] ?? '');
        if (!this.users.has(user)) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: `D${user.slice(1)}` } };
      }
      case 'files.info': {
        const id = String(args['file'] ?? '');
        const f = this.userFiles.get(id);
        if (!f) return { ok: false, error: 'file_not_found' };
        const url = `${this.url.replace(/\/api\/$/, '')}/files-pri/${id}/download`;
        return { ok: true, file: { id, name: f.name ?? `${id}.bin`, mimetype: f.mimetype, size: f.bytes.length, url_private: url, url_private_download: url } };
      }
      case 'views.open': {
        if (typeof args['trigger_id'] !== 'string' || !args['trigger_id']) return { ok: false, error: 'invalid_trigger_id' };
        const view = args['view'] as Record<string, unknown>;
        this.views.push(view);
        return { ok: true, view: { id: `V${this.views.length}`, ...view } };
      }
      case 'files.getUploadURLExternal': {
        const id = `F${++this.seq}`;
        this.files.set(id, { id, filename: String(args['filename']), bytes: Buffer.alloc(0) });
        return { ok: true, upload_url: `${this.url.replace(/\/api\/$/, '')}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (typeof args['files'] === 'string' ? JSON.parse(args['files']) : args['files']) as Array<{ id: string; title?: string }>;
        for (const item of list) {
          const f = this.files.get(item.id);
          if (!f) return { ok: false, error: 'file_not_found' };
          if (item.title) f.title = item.title;
          if (typeof args['channel_id'] === 'string') f.channel = args['channel_id'];
          if (typeof args['thread_ts'] === 'string') f.thread_ts = args['thread_ts'];
        }
        return { ok: true, files: list.map((i) => ({ id: i.id })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

/** A custom step's execution: its token, the outputs it must end with, and how it ended. */
export interface FakeExecution {
  id: string;
  token: string;
  outputs: { properties: Record<string, { type: string }>; required?: string[] };
  state: 'running' | 'completed' | 'failed';
  result?: Record<string, unknown>;
  error?: string;
}

/** Methods whose `blocks` are a message's, and those that take a view. */
const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'chat.stopStream', 'chat.scheduleMessage']);
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
