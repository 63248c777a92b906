import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { Agent, request } from 'undici';

/**
 * The limit reference: the least a streaming Slack bridge can do for a mention, written here
 * so the bench can say how close the bridge is to it. It acknowledges the event, reads Dify's
 * SSE with eventsource-parser, `JSON.parse`s each event, posts at the first token, then edits
 * at most once per interval, and ends with the exact text. No signature check, no store, no
 * validation, no Bolt, no Stop, no retries, no Markdown: none of what makes the bridge safe.
 */
export interface Reference {
  port: number;
  /** Resolves when every answer it started has its final edit. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReferenceOptions {
  slackUrl: string;
  token: string;
  difyUrl: string;
  difyKey: string;
  intervalMs: number;
}

export async function startReference(o: ReferenceOptions): Promise<Reference> {
  // As the bridge: Dify's streams each hold a connection for the whole answer, so that pool is
  // not capped (a cap would queue answers and hide the load); Slack calls share a bounded pool.
  const difyPool = new Agent({ keepAliveTimeout: 30_000 });
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const running = new Set<Promise<void>>();
  const slack = async (method: string, args: Record<string, string>): Promise<Record<string, unknown>> => {
    const res = await request(`${o.slackUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
      dispatcher,
    });
    return (await res.body.json()) as Record<string, unknown>;
  };

  async function answer(event: { text: string; channel: string; ts: string }): Promise<void> {
    const res = await request(`${o.difyUrl}/chat-messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.difyKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: event.text.replace(/^<@\w+>\s*/, ''), inputs: {}, user: 'reference', response_mode: 'streaming' }),
      dispatcher: difyPool,
    });
    let text = '';
    let shown = '';
    let ts: Promise<string> | undefined;
    let inFlight: Promise<unknown> = Promise.resolve();
    const edit = () => {
      if (!ts || text === shown) return;
      const next = text;
      shown = next;
      inFlight = ts.then((at) => slack('chat.update', { channel: event.channel, ts: at, markdown_text: next }));
    };
    const timer = setInterval(edit, o.intervalMs);
    const parser = createParser({
      onEvent: (e) => {
        const data = JSON.parse(e.data) as { event: string; answer?: string };
        if (data.event !== 'message' || !data.answer) return;
        text += data.answer;
        if (!ts) {
          shown = text;
          ts = slack('chat.postMessage', { channel: event.channel, thread_ts: event.ts, markdown_text: text }).then((r) => String(r['ts']));
          inFlight = ts;
        }
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
    clearInterval(timer);
    await inFlight;
    edit();
    await inFlight;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event?: { type: string; text: string; channel: string; ts: string } };
      if (body.event?.type !== 'app_mention') return;
      const run = answer(body.event).catch(() => undefined);
      running.add(run);
      void run.finally(() => running.delete(run));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([dispatcher.close(), difyPool.close()]);
    },
  };
}
