import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { startBridge, type RunningBridge } from '../src/bridge.js';
import { loadConfig } from '../src/config/load.js';
import type { FakeDify } from '../test/support/fake-dify.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { SlackUser } from '../test/support/slack-user.js';
import { messageAction } from '../test/support/message-action.js';
import { pageState } from './page-state.js';
import { DEMO_KEYS, startScriptedDify } from './scripted-dify.js';

const CHANNEL = 'C1';
const SIGNING_SECRET = 'demo-signing-secret';
const PAGE_FILES: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' };
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** The bridge's configuration in the demo: the scripted apps, a chat default and a per-app command. */
const BRIDGE_CONFIG = {
  apps: {
    assistant: { type: 'chat', apiKey: DEMO_KEYS.assistant, description: 'A scripted agent that uses a tool and answers in Markdown' },
    report: { type: 'workflow', apiKey: DEMO_KEYS.report, description: 'A three-step workflow: research, draft, review', command: '/report' },
    haiku: { type: 'completion', apiKey: DEMO_KEYS.haiku, description: 'Writes a haiku about a subject' },
  },
  chat: { default: 'assistant', channels: {} },
};

/** The slash commands the demo's Slack app has (as its manifest would list them). */
const COMMANDS = ['/dify', '/report'];

const sendSchema = z.object({
  text: z.string().trim().min(1).max(4000),
  threadTs: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
});
const pressSchema = z.object({ ts: z.string(), actionId: z.string().min(1), choice: z.enum(['positive', 'negative']).optional() });
const submitSchema = z.object({ index: z.number().int().min(0), values: z.record(z.string(), z.record(z.string(), z.unknown())) });
const closeSchema = z.object({ index: z.number().int().min(0) });
const shortcutSchema = z.object({ ts: z.string(), callbackId: z.enum(['dify_ask']) });

export interface Demo {
  url: string;
  slack: FakeSlack;
  dify: FakeDify;
  bridge: RunningBridge;
  close(): Promise<void>;
}

/**
 * `npm run demo`: the real bridge between a Slack stand-in and a scripted Dify, and a web page
 * that shows the channel and lets you talk to the bridge as a Slack user would (every message,
 * command and click goes to the bridge as a signed Slack request).
 */
export async function startDemo(options: { port?: number; host?: string; logger?: Logger } = {}): Promise<Demo> {
  const logger = options.logger ?? pino({ level: 'warn' });
  const slack = await new FakeSlack().start();
  slack.channels.set(CHANNEL, {
    id: CHANNEL,
    name: 'demo',
    is_im: false,
    topic: { value: 'Try the Dify bridge' },
    purpose: { value: 'A channel with a scripted Dify in it' },
  });
  const dify = await startScriptedDify();
  const env = {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    DIFY_API_URL: dify.url,
    BRIDGE_CONFIG: 'demo.json',
    STORE_URL: 'memory:',
    STREAM_MODE: 'edit',
    PORT: '0',
    HOST: '127.0.0.1',
  };
  const result = loadConfig(env, () => JSON.stringify(BRIDGE_CONFIG));
  if (!result.ok) throw new Error(result.problems.join('\n'));
  const bridge = await startBridge(result.config, logger);
  const user = new SlackUser(slack, () => `http://127.0.0.1:${bridge.port}`, SIGNING_SECRET);
  let closedViews = 0;

  const api: Record<string, (body: unknown) => Promise<unknown>> = {
    async '/api/send'(body) {
      const { text, threadTs } = sendSchema.parse(body);
      if (text.startsWith('/')) {
        const [command, ...rest] = text.split(/\s+/);
        // Slack itself answers commands the app does not have; they never reach the bridge.
        if (!COMMANDS.includes(command!)) return { notice: `${command} is not a valid command. This demo has ${COMMANDS.join(' and ')}.` };
        const res = await user.command(rest.join(' '), { command: command!, channel: CHANNEL });
        // Slack shows a command's HTTP answer, when it has one, as an ephemeral message.
        const ack = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined;
        if (ack && (ack['text'] || ack['blocks'])) slack.responses.push({ id: `ack-${slack.responses.length}`, body: ack, at: Date.now() });
        return { status: res.status };
      }
      // "@Dify" on the page is a mention of the bot, as Slack encodes it.
      const mentioned = /(^|\s)@dify\b/i.test(text);
      const slackText = text.replace(/(^|\s)@dify\b/gi, '$1').trim();
      const opts = { channel: CHANNEL, ...(threadTs ? { threadTs } : {}) };
      const sent = mentioned ? await user.mention(slackText, opts) : await user.message(text, opts);
      return { ts: sent.ts, mentioned };
    },
    async '/api/press'(body) {
      const { ts, actionId, choice } = pressSchema.parse(body);
      const message = slack.messages.find((m) => m.ts === ts && !m.deleted);
      if (!message) throw new Error('no such message');
      await user.press(message, actionId, choice ? { choice } : {});
      return { ok: true };
    },
    async '/api/shortcut'(body) {
      // A message's "⋮" menu: the shortcut's payload, as Slack sends it, for that message.
      const { ts, callbackId } = shortcutSchema.parse(body);
      const message = slack.userMessages.find((m) => m.ts === ts) ?? slack.messages.find((m) => m.ts === ts && !m.deleted);
      if (!message) throw new Error('no such message');
      const { payload } = messageAction(
        { slack },
        callbackId,
        {
          ts: message.ts,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          ...('user' in message ? { user: message.user } : { user: slack.botUserId }),
          text: message.text,
        },
        { channel: CHANNEL },
      );
      const res = await user.interact(payload);
      return { status: res.status };
    },
    async '/api/submit'(body) {
      const { index, values } = submitSchema.parse(body);
      const view = slack.views[index];
      if (!view) throw new Error('no such modal');
      const res = await user.submitView(values, { view });
      // Slack keeps the modal open when the app answers with field errors.
      const answer = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
      if (answer['response_action'] === 'errors') return { errors: answer['errors'] };
      closedViews = Math.max(closedViews, index + 1);
      return { ok: true };
    },
    async '/api/close'(body) {
      const { index } = closeSchema.parse(body);
      closedViews = Math.max(closedViews, index + 1);
      return { ok: true };
    },
  };

  const pageDir = new URL('./page/', import.meta.url);
  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      if (req.method === 'GET' && PAGE_FILES[path]) {
        const file = PAGE_FILES[path];
        res.writeHead(200, {
          'content-type': TYPES[file.split('.').pop()!]!,
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'",
        });
        return void res.end(readFileSync(new URL(file, pageDir)));
      }
      if (req.method === 'GET' && path === '/api/state') return sendJson(res, 200, pageState(slack, CHANNEL, closedViews));
      const route = api[path];
      if (req.method === 'POST' && route) {
        // JSON only: another site's page cannot send that to localhost without a CORS preflight,
        // which this server never grants.
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'expected application/json' });
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        return sendJson(res, 200, await route(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (err) {
      sendJson(res, 400, { error: err instanceof z.ZodError ? err.issues.map((i) => i.message).join('; ') : err instanceof Error ? err.message : String(err) });
    }
  }
  try {
    await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (err) {
    await bridge.stop();
    await slack.close();
    await dify.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    slack,
    dify,
    bridge,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await bridge.stop();
      await slack.close();
      await dify.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
