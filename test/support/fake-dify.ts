import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DifyRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  at: number;
}

/** Builds chat-app stream events with the exact envelope and key order Dify writes. */
export class ChatEvents {
  readonly createdAt = 1705407629;
  constructor(
    readonly conversationId: string,
    readonly messageId: string = randomUUID(),
    readonly taskId: string = randomUUID(),
  ) {}

  private env(event: string) {
    return { event, conversation_id: this.conversationId, message_id: this.messageId, created_at: this.createdAt };
  }
  message(answer: string) {
    return { ...this.env('message'), task_id: this.taskId, id: this.messageId, answer, from_variable_selector: null };
  }
  agentMessage(answer: string) {
    return { ...this.env('agent_message'), task_id: this.taskId, id: this.messageId, answer };
  }
  agentThought(tool: string, observation: string, position = 1, id = 'thought-1') {
    return {
      ...this.env('agent_thought'),
      task_id: this.taskId,
      id,
      position,
      thought: '',
      observation,
      tool,
      tool_labels: { [tool]: { en_US: tool, zh_Hans: tool } },
      tool_input: JSON.stringify({ [tool]: {} }),
      message_files: [],
    };
  }
  messageReplace(answer: string) {
    return { ...this.env('message_replace'), task_id: this.taskId, answer, reason: 'output_moderation' };
  }
  messageEnd(resources: Array<{ document_name: string }> = []) {
    return {
      ...this.env('message_end'),
      task_id: this.taskId,
      id: this.messageId,
      metadata: {
        annotation_reply: null,
        retriever_resources: resources.map((r, i) => ({ position: i + 1, dataset_id: 'ds', dataset_name: 'Docs', document_id: 'doc', ...r, segment_id: 'seg', score: 0.9, content: '…' })),
        usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, total_price: '0.0001', currency: 'USD', latency: 0.5 },
      },
      files: null,
    };
  }
  nodeStarted(nodeType: string, title: string) {
    return {
      ...this.env('node_started'),
      task_id: this.taskId,
      workflow_run_id: 'run-1',
      data: { id: randomUUID(), node_id: nodeType, node_type: nodeType, title, index: 1, predecessor_node_id: null, inputs: {}, created_at: this.createdAt, extras: {}, iteration_id: null, loop_id: null },
    };
  }
  workflowFinished(status = 'succeeded') {
    return {
      ...this.env('workflow_finished'),
      task_id: this.taskId,
      workflow_run_id: 'run-1',
      data: { id: 'run-1', workflow_id: 'wf', status, outputs: {}, error: null, elapsed_time: 1, total_tokens: 30, total_steps: 3, created_at: this.createdAt, finished_at: this.createdAt + 1, exceptions_count: 0, files: [] },
    };
  }
  error(code: string, message: string, status = 400) {
    return { ...this.env('error'), code, status, message };
  }
}

export interface ChatContext {
  req: DifyRequest;
  /** The conversation this request runs in (a new id for a new conversation). */
  conversationId: string;
  events: ChatEvents;
  res: ServerResponse;
}

export type ChatHandler = (ctx: ChatContext) => Promise<void> | void;

/** Writes an SSE stream exactly as Dify does: `data: {json}\n\n` frames and bare `event: ping` keep-alives. */
export async function writeSse(res: ServerResponse, events: Iterable<unknown> | AsyncIterable<unknown>, delayMs = 0): Promise<void> {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for await (const e of events) {
    if (res.destroyed) return;
    res.write(e === 'ping' ? 'event: ping\n\n' : `data: ${JSON.stringify(e)}\n\n`);
    if (delayMs > 0) await sleep(delayMs);
  }
  res.end();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Splits a text into streaming deltas of about `size` characters. */
export function tokens(text: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * A loopback stand-in for Dify's Service API: checks the app key, keeps conversations per
 * user like Dify (another user's or an unknown conversation id → 404 "Conversation Not
 * Exists."), records every request and lets each test script the stream.
 */
export class FakeDify {
  readonly apiKey = 'app-test-key';
  readonly requests: DifyRequest[] = [];
  readonly conversations = new Map<string, string>();
  onChat: ChatHandler = echoChat;
  /** Handles any other route; return false to fall through to the built-in ones. */
  onRequest: (req: DifyRequest, res: ServerResponse) => boolean | Promise<boolean> = () => false;
  onStop: (req: DifyRequest, res: ServerResponse) => void = (_req, res) => json(res, 200, { result: 'success' });
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  chatRequests(): DifyRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat-messages');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    let body: Record<string, unknown> = {};
    try {
      const isJson = String(req.headers['content-type'] ?? '').includes('application/json');
      body = isJson && raw ? (JSON.parse(raw) as Record<string, unknown>) : { raw };
    } catch {
      return json(res, 400, { code: 'invalid_param', message: 'Invalid JSON payload received or JSON payload is empty.', status: 400 });
    }
    const request: DifyRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, at: Date.now() };
    this.requests.push(request);
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      res.setHeader('www-authenticate', 'Bearer realm="api"');
      return json(res, 401, { code: 'unauthorized', message: 'Access token is invalid', status: 401 });
    }
    if (await this.onRequest(request, res)) return;
    if (req.method === 'POST' && url.pathname === '/v1/chat-messages') {
      const user = body['user'];
      if (typeof user !== 'string' || !user) return json(res, 400, { code: 'invalid_param', message: 'Arg user must be provided.', status: 400 });
      let conversationId = typeof body['conversation_id'] === 'string' ? body['conversation_id'] : '';
      if (conversationId) {
        if (this.conversations.get(conversationId) !== user) return json(res, 404, { code: 'not_found', message: 'Conversation Not Exists.', status: 404 });
      } else {
        conversationId = randomUUID();
        this.conversations.set(conversationId, user);
      }
      const events = new ChatEvents(conversationId);
      return this.onChat({ req: request, conversationId, events, res });
    }
    if (req.method === 'POST' && /^\/v1\/chat-messages\/[^/]+\/stop$/.test(url.pathname)) return this.onStop(request, res);
    json(res, 404, { code: 'not_found', message: 'The requested URL was not found on the server.', status: 404 });
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Echoes the query as a streamed answer. */
export const echoChat: ChatHandler = ({ req, events, res }) => {
  const answer = `You said: ${String(req.body['query'])}`;
  const isBlocking = req.body['response_mode'] !== 'streaming';
  if (isBlocking) {
    return json(res, 200, {
      event: 'message',
      task_id: events.taskId,
      id: events.messageId,
      message_id: events.messageId,
      conversation_id: events.conversationId,
      mode: 'chat',
      answer,
      metadata: { usage: { total_tokens: 3 }, retriever_resources: [] },
      created_at: events.createdAt,
    });
  }
  return writeSse(res, [...tokens(answer).map((t) => events.message(t)), events.messageEnd()]);
};
