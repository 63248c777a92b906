import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** What Slack shows now (markdown_text or text). */
  text: string;
  /** Every text the message showed, first post first. */
  history: string[];
  deleted: boolean;
  postedAt: number;
  updatedAt: number[];
}

export interface FakeCall {
  method: string;
  args: Record<string, unknown>;
  auth: string | undefined;
  at: number;
}

/** Returns a response to send instead of the normal one, or undefined to proceed. */
export type Interceptor = (call: FakeCall) => { status?: number; headers?: Record<string, string>; body: unknown } | undefined;

/**
 * A loopback stand-in for Slack's Web API: parses form or JSON bodies like Slack, applies
 * posts, edits and deletes to an in-memory workspace so tests can assert what a user sees,
 * and enforces the limits the bridge must respect.
 */
export class FakeSlack {
  readonly botUserId = 'UBOT';
  readonly botId = 'BBOT';
  readonly token = 'xoxb-test-token';
  readonly messages: FakeMessage[] = [];
  readonly calls: FakeCall[] = [];
  /** Channels the bot is not a member of. */
  readonly notInChannel = new Set<string>();
  markdownLimit = 12_000;
  interceptors: Interceptor[] = [];
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
      if (v) return v;
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private nextTs(): string {
    this.seq += 1;
    return `1700000${String(this.seq).padStart(3, '0')}.${String(this.seq * 100).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
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
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (call.auth !== `Bearer ${this.token}`) return send(200, { ok: false, error: 'invalid_auth' });
    for (const intercept of this.interceptors) {
      const r = intercept(call);
      if (r) return send(r.status ?? 200, r.body, r.headers);
    }
    send(200, this.apply(method, args));
  }

  private apply(method: string, args: Record<string, unknown>): unknown {
    const text = typeof args['markdown_text'] === 'string' ? args['markdown_text'] : typeof args['text'] === 'string' ? args['text'] : undefined;
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
        const ts = this.nextTs();
        const thread = typeof args['thread_ts'] === 'string' ? args['thread_ts'] : undefined;
        this.messages.push({ channel, ts, ...(thread ? { thread_ts: thread } : {}), text, history: [text], deleted: false, postedAt: Date.now(), updatedAt: [] });
        return { ok: true, channel, ts, message: { text, ts } };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.ts === args['ts'] && x.channel === args['channel'] && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        if (text === undefined || text === '') return { ok: false, error: 'no_text' };
        if (text.length > this.markdownLimit) return { ok: false, error: 'msg_too_long' };
        m.text = text;
        m.history.push(text);
        m.updatedAt.push(Date.now());
        return { ok: true, channel: m.channel, ts: m.ts, text };
      }
      case 'chat.delete': {
        const m = this.messages.find((x) => x.ts === args['ts'] && x.channel === args['channel'] && !x.deleted);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.deleted = true;
        return { ok: true, channel: m.channel, ts: m.ts };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
