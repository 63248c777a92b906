import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { specProblem } from './dify-openapi.js';

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
  agentThought(tool: string, observation: string, position = 1, id = 'thought-1', input: Record<string, unknown> = {}) {
    return {
      ...this.env('agent_thought'),
      task_id: this.taskId,
      id,
      position,
      thought: '',
      observation,
      tool,
      tool_labels: { [tool]: { en_US: tool, zh_Hans: tool } },
      tool_input: JSON.stringify({ [tool]: input }),
      message_files: [],
    };
  }
  messageReplace(answer: string) {
    return { ...this.env('message_replace'), task_id: this.taskId, answer, reason: 'output_moderation' };
  }
  messageEnd(resources: Array<{ document_name: string } & Record<string, unknown>> = []) {
    return {
      ...this.env('message_end'),
      task_id: this.taskId,
      id: this.messageId,
      metadata: {
        annotation_reply: null,
        retriever_resources: resources.map((r, i) => ({
          position: i + 1,
          dataset_id: 'ds',
          dataset_name: 'Docs',
          document_id: `doc-${r.document_name}`,
          ...r,
          segment_id: 'seg',
          score: 0.9,
          content: '…',
        })),
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
      data: {
        id: randomUUID(),
        node_id: nodeType,
        node_type: nodeType,
        title,
        index: 1,
        predecessor_node_id: null,
        inputs: {},
        created_at: this.createdAt,
        extras: {},
        iteration_id: null,
        loop_id: null,
      },
    };
  }
  workflowFinished(status = 'succeeded') {
    return {
      ...this.env('workflow_finished'),
      task_id: this.taskId,
      workflow_run_id: 'run-1',
      data: {
        id: 'run-1',
        workflow_id: 'wf',
        status,
        outputs: {},
        error: null,
        elapsed_time: 1,
        total_tokens: 30,
        total_steps: 3,
        created_at: this.createdAt,
        finished_at: this.createdAt + 1,
        exceptions_count: 0,
        files: [],
      },
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

/** A Human Input form as Dify keeps it (GET shows all but the bookkeeping). */
export interface FakeForm {
  key: string;
  runId: string;
  form_content: string;
  inputs: Array<{ type: string; output_variable_name: string; [k: string]: unknown }>;
  resolved_default_values: Record<string, string>;
  user_actions: Array<{ id: string; title: string; button_style: string }>;
  /** Unix seconds, or null for no deadline. */
  expiration_time: number | null;
  submitted?: { inputs: Record<string, unknown>; action: string; user: string };
}

/** A workflow run the fake knows: whose it is, how it stands, and (scripted) what it streams when followed. */
export interface FakeRun {
  key: string;
  user: string;
  status: string;
  outputs: Record<string, unknown>;
  onEvents?: (res: ServerResponse, query: URLSearchParams) => Promise<void>;
}

export interface FakeApp {
  mode: 'chat' | 'advanced-chat' | 'agent-chat' | 'workflow' | 'completion';
  name: string;
  description?: string;
  form?: Array<Record<string, unknown>>;
  /** /parameters file_upload (default: none). */
  fileUpload?: Record<string, unknown>;
  openingStatement?: string;
  starters?: string[];
  /** Follow-up questions after each answer (enables suggested_questions_after_answer). */
  followUps?: string[];
  /** /parameters annotation_reply.enabled. */
  annotationReply?: boolean;
  /** /parameters speech_to_text.enabled, and what /audio-to-text hears. */
  speechToText?: boolean;
  transcript?: string;
  /** GET /site: the WebApp's settings (default: its name as the title, an emoji icon); null: Dify's 403 (no site). */
  site?: Record<string, unknown> | null;
  /** Workflow and completion runs; the default echoes the inputs. */
  onRun?: (req: DifyRequest, res: ServerResponse) => Promise<void> | void;
}

/** Builds workflow stream events with Dify's envelope (event, workflow_run_id, task_id, data). */
export class WorkflowEvents {
  constructor(
    readonly runId: string = randomUUID(),
    readonly taskId: string = randomUUID(),
  ) {}
  private ev(event: string, data: Record<string, unknown>) {
    return { event, workflow_run_id: this.runId, task_id: this.taskId, data };
  }
  started() {
    return this.ev('workflow_started', { id: this.runId, workflow_id: 'wf-1', inputs: {}, created_at: 1705407629, reason: 'initial' });
  }
  nodeStarted(nodeId: string, nodeType: string, title: string, index: number) {
    return this.ev('node_started', {
      id: `${nodeId}-exec`,
      node_id: nodeId,
      node_type: nodeType,
      title,
      index,
      predecessor_node_id: null,
      inputs: {},
      created_at: 1705407629,
      extras: {},
      iteration_id: null,
      loop_id: null,
    });
  }
  nodeFinished(nodeId: string, nodeType: string, title: string, index: number, status = 'succeeded', error: string | null = null) {
    return this.ev('node_finished', {
      id: `${nodeId}-exec`,
      node_id: nodeId,
      node_type: nodeType,
      title,
      index,
      predecessor_node_id: null,
      inputs: {},
      process_data: {},
      outputs: {},
      status,
      error,
      elapsed_time: 0.2,
      execution_metadata: { total_tokens: 10 },
      created_at: 1705407629,
      finished_at: 1705407630,
      files: [],
    });
  }
  iterationNext(index: number) {
    return this.ev('iteration_next', {
      id: 'iter-exec',
      node_id: 'iter',
      node_type: 'iteration',
      title: 'Each page',
      index,
      created_at: 1705407629,
      extras: {},
    });
  }
  textChunk(text: string) {
    return this.ev('text_chunk', { text, from_variable_selector: ['llm', 'text'] });
  }
  finished(status: string, outputs: Record<string, unknown> | null, error: string | null = null, files: unknown[] = []) {
    return this.ev('workflow_finished', {
      id: this.runId,
      workflow_id: 'wf-1',
      status,
      outputs,
      error,
      elapsed_time: 2.345,
      total_tokens: 1234,
      total_steps: 3,
      created_by: { id: 'u', user: 'x' },
      created_at: 1705407629,
      finished_at: 1705407631,
      exceptions_count: 0,
      files,
    });
  }
}

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
  /** Human Input forms by token, and workflow runs by id (for re-attaching). */
  readonly forms = new Map<string, FakeForm>();
  readonly workflowRuns = new Map<string, FakeRun>();
  /** Requests refused because Dify's OpenAPI spec does not allow them (none in a passing test). */
  readonly refusals: string[] = [];
  readonly conversations = new Map<string, string>();
  /** Conversation names set through POST /v1/conversations/{id}/name. */
  readonly conversationNames = new Map<string, string>();
  onChat: ChatHandler = echoChat;
  /** The mode of the default app (DIFY_API_KEY): a chatflow (advanced-chat) can pause and be re-attached. */
  chatMode: FakeApp['mode'] = 'chat';
  /** The default chat app's /site (see FakeApp.site). */
  site: FakeApp['site'];
  private readonly submitWaiters = new Map<string, Array<() => void>>();
  /** Voice clips transcribed (POST /v1/audio-to-text): the app key, the file name and its Content-Type. */
  readonly transcribed: Array<{ key: string; filename: string; type: string }> = [];
  /** Annotations saved (POST /v1/apps/annotations), with the app key that saved them. */
  readonly annotations: Array<{ key: string; id: string; question: string; answer: string }> = [];
  /** Apps by API key besides the default chat app. */
  readonly apps = new Map<string, FakeApp>();
  /** Files uploaded through /v1/files/upload. */
  readonly uploads: Array<{ id: string; user: string; filename: string; bytes: number; key: string }> = [];
  /** Files served to the bridge at /files/<id> (output files); and the auth headers sent for them. */
  readonly outputFiles = new Map<string, { bytes: Buffer; mime: string } | { redirect: string }>();
  readonly fileAuth: Array<string | undefined> = [];
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

  /**
   * A run of the app with key `key` pauses at a Human Input form (WebApp delivery: a token).
   * The run's events stream (GET /v1/workflow/{id}/events) is `onEvents`, scripted by the test.
   */
  pause(key: string, run: { runId: string; user: string; form: Omit<FakeForm, 'key' | 'runId'>; onEvents?: FakeRun['onEvents'] }): string {
    const token = randomUUID().replace(/-/g, '').slice(0, 22);
    this.forms.set(token, { ...run.form, key, runId: run.runId });
    const existing = this.workflowRuns.get(run.runId);
    this.workflowRuns.set(run.runId, {
      key,
      user: run.user,
      status: 'paused',
      outputs: {},
      ...(existing?.onEvents ? { onEvents: existing.onEvents } : {}),
      ...(run.onEvents ? { onEvents: run.onEvents } : {}),
    });
    return token;
  }

  /** Resolves once the form is submitted (a scripted run resumes then), or at once if it was. */
  whenSubmitted(token: string): Promise<void> {
    if (this.forms.get(token)?.submitted) return Promise.resolve();
    return new Promise((resolve) => this.submitWaiters.set(token, [...(this.submitWaiters.get(token) ?? []), resolve]));
  }

  /** Dify's Human Input and re-attach endpoints, refusing what Dify refuses (§11 of the protocol notes). */
  private async humanInputRoutes(request: DifyRequest, url: URL, key: string, app: FakeApp, res: ServerResponse): Promise<boolean> {
    const form = /^\/v1\/form\/human_input\/([^/]+)$/.exec(url.pathname);
    if (form) {
      const f = this.forms.get(form[1]!);
      if (!f || f.key !== key) return (json(res, 404, { code: 'not_found', message: 'Form not found', status: 404 }), true);
      if (f.submitted)
        return (
          json(res, 412, {
            code: 'human_input_form_submitted',
            message: `This form has already been submitted by another user, form_id=${form[1]}`,
            status: 412,
          }),
          true
        );
      if (f.expiration_time !== null && f.expiration_time * 1000 < Date.now()) {
        return (json(res, 412, { code: 'human_input_form_expired', message: `This form has expired, form_id=${form[1]}`, status: 412 }), true);
      }
      if (request.method === 'GET') {
        const { key: _k, runId: _r, submitted: _s, ...visible } = f;
        return (json(res, 200, visible), true);
      }
      const action = String(request.body['action'] ?? '');
      const inputs = (request.body['inputs'] ?? {}) as Record<string, unknown>;
      if (!f.user_actions.some((a) => a.id === action))
        return (json(res, 400, { code: 'invalid_form_data', message: `Invalid action: ${action}`, status: 400 }), true);
      const missing = f.inputs.map((i) => i.output_variable_name).filter((n) => !Object.hasOwn(inputs, n));
      if (missing.length) return (json(res, 400, { code: 'invalid_form_data', message: `Missing required inputs: ${missing.join(', ')}`, status: 400 }), true);
      f.submitted = { inputs, action, user: String(request.body['user']) };
      const run = this.workflowRuns.get(f.runId);
      if (run) run.status = 'running';
      for (const wake of this.submitWaiters.get(form[1]!) ?? []) wake();
      this.submitWaiters.delete(form[1]!);
      return (json(res, 200, {}), true);
    }
    const events = /^\/v1\/workflow\/([^/]+)\/events$/.exec(url.pathname);
    if (events && request.method === 'GET') {
      const run = this.workflowRuns.get(events[1]!);
      if (app.mode !== 'workflow' && app.mode !== 'advanced-chat')
        return (json(res, 400, { code: 'not_workflow_app', message: 'Please check if your app mode matches the right API route.', status: 400 }), true);
      if (!run || run.key !== key || run.user !== url.searchParams.get('user'))
        return (json(res, 404, { code: 'not_found', message: 'Workflow run not found', status: 404 }), true);
      if (run.status !== 'running' && run.status !== 'paused') {
        // A finished run: one workflow_finished line, then close.
        await writeSse(res, [
          {
            event: 'workflow_finished',
            task_id: events[1],
            workflow_run_id: events[1],
            data: { id: events[1], status: run.status, outputs: run.outputs, error: null },
          },
        ]);
        return true;
      }
      if (run.onEvents) await run.onEvents(res, url.searchParams);
      else res.writeHead(200, { 'content-type': 'text/event-stream' }).end();
      return true;
    }
    const detail = /^\/v1\/workflows\/run\/([^/]+)$/.exec(url.pathname);
    if (detail && request.method === 'GET') {
      const run = this.workflowRuns.get(detail[1]!);
      if (!run || run.key !== key) return (json(res, 404, { code: 'not_found', message: 'Workflow run not found.', status: 404 }), true);
      return (
        json(res, 200, {
          id: detail[1],
          status: run.status,
          outputs: run.outputs,
          error: null,
          total_steps: 3,
          total_tokens: 30,
          created_at: 1,
          finished_at: run.status === 'running' || run.status === 'paused' ? null : 2,
          elapsed_time: 1,
        }),
        true
      );
    }
    return false;
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
    const outputFile = /^\/files\/([^/]+)$/.exec(url.pathname);
    if (outputFile && req.method === 'GET') {
      this.fileAuth.push(req.headers.authorization);
      const f = this.outputFiles.get(outputFile[1]!);
      if (!f) return json(res, 404, { code: 'not_found', message: 'File not found', status: 404 });
      if ('redirect' in f) return void res.writeHead(302, { location: f.redirect }).end();
      res.writeHead(200, { 'content-type': f.mime, 'content-length': String(f.bytes.length) });
      return void res.end(f.bytes);
    }
    // Outside /v1 (a DIFY_API_URL without it) Dify's router answers 404 before it looks at the key.
    if (!url.pathname.startsWith('/v1/'))
      return json(res, 404, {
        code: 'not_found',
        message: 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
        status: 404,
      });
    const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const app: FakeApp | undefined = key === this.apiKey ? { mode: this.chatMode, name: 'Echo chat', form: [] } : this.apps.get(key);
    if (!app) {
      res.setHeader('www-authenticate', 'Bearer realm="api"');
      return json(res, 401, { code: 'unauthorized', message: 'Access token is invalid', status: 401 });
    }
    // What the real Dify refuses by its published spec, refused here the same way.
    const problem = specProblem(request.method, url.pathname, url.searchParams, body, String(req.headers['content-type'] ?? '').includes('application/json'));
    if (problem) {
      this.refusals.push(`${request.method} ${url.pathname}: ${problem}`);
      return json(res, 400, { code: 'invalid_param', message: problem, status: 400 });
    }
    if (await this.onRequest(request, res)) return;
    if (await this.humanInputRoutes(request, url, key, app, res)) return;
    if (req.method === 'GET' && url.pathname === '/v1/info')
      return json(res, 200, { name: app.name, description: app.description ?? '', tags: [], mode: app.mode, author_name: 'Tests' });
    if (req.method === 'POST' && url.pathname === '/v1/apps/annotations') {
      const question = body['question'];
      const answer = body['answer'];
      if (typeof question !== 'string' || !question || typeof answer !== 'string' || !answer)
        return json(res, 400, { code: 'invalid_param', message: 'question and answer are required', status: 400 });
      const item = { id: randomUUID(), question, answer, hit_count: 0, created_at: Math.floor(Date.now() / 1000) };
      this.annotations.push({ key, ...item });
      return json(res, 201, item);
    }
    if (req.method === 'GET' && url.pathname === '/v1/site') {
      const site = key === this.apiKey ? this.site : app.site;
      if (site === null) return json(res, 403, { code: 'forbidden', message: "You don't have the permission to access the requested resource.", status: 403 });
      return json(res, 200, {
        title: app.name,
        chat_color_theme: null,
        chat_color_theme_inverted: false,
        icon_type: 'emoji',
        icon: '🤖',
        icon_background: '#FFEAD5',
        icon_url: null,
        description: app.description ?? null,
        copyright: null,
        privacy_policy: null,
        custom_disclaimer: '',
        default_language: 'en-US',
        show_workflow_steps: false,
        use_icon_as_answer_icon: false,
        ...site,
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/parameters') {
      return json(res, 200, {
        opening_statement: app.openingStatement ?? '',
        suggested_questions: app.starters ?? [],
        suggested_questions_after_answer: { enabled: app.followUps !== undefined },
        user_input_form: app.form ?? [],
        file_upload: app.fileUpload ?? {},
        annotation_reply: { enabled: app.annotationReply === true },
        speech_to_text: { enabled: app.speechToText === true },
        system_parameters: { file_size_limit: 15 },
      });
    }
    if (req.method === 'GET' && /^\/v1\/messages\/[^/]+\/suggested$/.test(url.pathname)) {
      if (!app.followUps) return json(res, 400, { code: 'bad_request', message: 'Suggested Questions Is Disabled.', status: 400 });
      return json(res, 200, { result: 'success', data: app.followUps });
    }
    if (req.method === 'POST' && url.pathname === '/v1/audio-to-text') {
      // dify-service-api.md §12.4: the app must enable it; the part's Content-Type decides; 30 MiB at most.
      if (!app.speechToText) return json(res, 400, { code: 'speech_to_text_disabled', message: 'Speech to text is not enabled', status: 400 });
      const type = /Content-Type: ([^\r]*)\r\n\r\n/i.exec(raw.slice(raw.indexOf('name="file"')))?.[1] ?? '';
      if (!['audio/mp3', 'audio/m4a', 'audio/wav', 'audio/amr', 'audio/mpga', 'audio/mp4', 'audio/webm'].includes(type))
        return json(res, 415, { code: 'unsupported_audio_type', message: 'Audio type not allowed.', status: 415 });
      if (raw.length > 30 * 1024 * 1024) return json(res, 413, { code: 'audio_too_large', message: 'Audio size larger than 30 mb', status: 413 });
      const filename = /filename="([^"]*)"/.exec(raw)?.[1] ?? '';
      this.transcribed.push({ key, filename, type });
      return json(res, 200, { text: app.transcript ?? `Words from ${filename}` });
    }
    if (req.method === 'POST' && url.pathname === '/v1/files/upload') {
      const id = randomUUID();
      const user = /name="user"\r\n\r\n([^\r]*)/.exec(raw)?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(raw)?.[1] ?? '';
      this.uploads.push({ id, user, filename, bytes: raw.length, key });
      return json(res, 201, {
        id,
        name: filename,
        size: raw.length,
        extension: filename.split('.').pop(),
        mime_type: 'application/octet-stream',
        created_by: 'u',
        created_at: 1,
      });
    }
    const isChat = ['chat', 'advanced-chat', 'agent-chat'].includes(app.mode);
    if (req.method === 'POST' && url.pathname === '/v1/workflows/run') {
      if (app.mode !== 'workflow')
        return json(res, 400, { code: 'not_workflow_app', message: 'Please check if your app mode matches the right API route.', status: 400 });
      return (app.onRun ?? echoWorkflow)(request, res);
    }
    if (req.method === 'POST' && url.pathname === '/v1/completion-messages') {
      if (app.mode !== 'completion')
        return json(res, 400, { code: 'app_unavailable', message: 'App unavailable, please check your app configurations.', status: 400 });
      return (app.onRun ?? echoCompletion)(request, res);
    }
    if (req.method === 'POST' && url.pathname === '/v1/chat-messages' && !isChat) {
      return json(res, 400, { code: 'not_chat_app', message: 'Please check if your app mode matches the right API route.', status: 400 });
    }
    if (req.method === 'POST' && url.pathname === '/v1/chat-messages') {
      const user = body['user'];
      if (typeof user !== 'string' || !user) return json(res, 400, { code: 'invalid_param', message: 'Arg user must be provided.', status: 400 });
      let conversationId = typeof body['conversation_id'] === 'string' ? body['conversation_id'] : '';
      if (conversationId) {
        if (this.conversations.get(conversationId) !== user) return json(res, 404, { code: 'not_found', message: 'Conversation Not Exists.', status: 404 });
      } else {
        conversationId = randomUUID();
        this.conversations.set(conversationId, user);
        if (body['auto_generate_name'] !== undefined && typeof body['auto_generate_name'] !== 'boolean')
          return json(res, 400, { code: 'invalid_param', message: 'auto_generate_name must be a boolean', status: 400 });
        // Dify names a new conversation itself after its first message unless told not to.
        if (body['auto_generate_name'] !== false) this.conversationNames.set(conversationId, 'Generated: a short title');
      }
      const events = new ChatEvents(conversationId);
      return this.onChat({ req: request, conversationId, events, res });
    }
    if (req.method === 'POST' && /^\/v1\/(chat-messages|completion-messages|workflows\/tasks)\/[^/]+\/stop$/.test(url.pathname))
      return this.onStop(request, res);
    if (req.method === 'POST' && /^\/v1\/messages\/[^/]+\/feedbacks$/.test(url.pathname)) return json(res, 200, { result: 'success' });
    const rename = /^\/v1\/conversations\/([^/]+)\/name$/.exec(url.pathname);
    if (req.method === 'POST' && rename) {
      if (!isChat) return json(res, 400, { code: 'not_chat_app', message: 'App mode does not match the API route.', status: 400 });
      if (this.conversations.get(rename[1]!) !== body['user']) return json(res, 404, { code: 'not_found', message: 'Conversation Not Exists.', status: 404 });
      const auto = body['auto_generate'] === true;
      const name = auto ? 'Generated: a short title' : typeof body['name'] === 'string' ? body['name'].trim() : '';
      if (!name) return json(res, 400, { code: 'invalid_param', message: 'name is required when auto_generate is false', status: 400 });
      this.conversationNames.set(rename[1]!, name);
      return json(res, 200, { id: rename[1], name, inputs: {}, status: 'normal', introduction: '', created_at: 1, updated_at: 2 });
    }
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

/** A workflow that reports its steps and returns its inputs as `result`. */
export const echoWorkflow = (req: DifyRequest, res: ServerResponse): Promise<void> => {
  const w = new WorkflowEvents();
  return writeSse(res, [
    w.started(),
    w.nodeStarted('start', 'start', 'Start', 1),
    w.nodeFinished('start', 'start', 'Start', 1),
    w.finished('succeeded', { result: JSON.stringify(req.body['inputs']) }),
  ]);
};

/** A completion app that streams back its inputs. */
export const echoCompletion = (req: DifyRequest, res: ServerResponse): Promise<void> => {
  const id = randomUUID();
  const env = (event: string) => ({ event, message_id: id, created_at: 1705407629, task_id: 'task-c', id });
  const text = `Completed: ${JSON.stringify(req.body['inputs'])}`;
  return writeSse(res, [
    ...tokens(text).map((t) => ({ ...env('message'), answer: t, from_variable_selector: null })),
    { ...env('message_end'), metadata: { usage: { total_tokens: 5 } }, files: null },
  ]);
};

/** A slow chat answer: `words` words `w0 w1 …`, one every `everyMs`; `closedEarly` says whether Dify's side was cut short. */
export function slowChat(dify: FakeDify, words = 100, everyMs = 50): { closedEarly: () => boolean } {
  let early = false;
  dify.onChat = async ({ events, res }) => {
    res.on('close', () => (early = !res.writableEnded));
    await writeSse(res, [...Array.from({ length: words }, (_, i) => events.message(`w${i} `)), events.messageEnd()], everyMs);
  };
  return { closedEarly: () => early };
}
