import { FormData } from 'undici';
import { z } from 'zod';
import type { DifyApp, DifyAppType as AppType, DifyTimeouts } from './types.js';
import { DifyError } from './errors.js';
import { FileUrlGuard } from './file-guard.js';
import { DifyHttp } from './http.js';
import { DifyEventStream } from './stream.js';
import { humanInputFormSchema, workflowRunSchema, type HumanInputForm, type HumanInputSubmission, type WorkflowRun } from './human-input.js';

export type ResponseMode = 'streaming' | 'blocking';
export type Inputs = Record<string, unknown>;

export interface DifyFile {
  type: 'image' | 'document' | 'audio' | 'video' | 'custom';
  transfer_method: 'remote_url' | 'local_file';
  url?: string;
  upload_file_id?: string;
}

interface BaseInvoke<M extends ResponseMode> {
  inputs: Inputs;
  responseMode: M;
  /** Dify's end-user id; conversations are visible only to the user that created them. */
  user: string;
  files?: DifyFile[];
  signal?: AbortSignal;
}
export interface ChatInvoke<M extends ResponseMode = ResponseMode> extends BaseInvoke<M> {
  query: string;
  conversationId?: string;
  /** false: Dify does not name a new conversation (name it later with renameConversation); Dify's default is true. */
  autoGenerateName?: boolean;
}
export type WorkflowInvoke<M extends ResponseMode = ResponseMode> = BaseInvoke<M>;
export interface CompletionInvoke<M extends ResponseMode = ResponseMode> extends BaseInvoke<M> {
  query?: string;
}

const usage = z.looseObject({ total_tokens: z.number().nullish() }).nullish();

export const chatBlockingSchema = z.looseObject({
  task_id: z.string().nullish(),
  message_id: z.string(),
  conversation_id: z.string().nullish(),
  mode: z.string().nullish(),
  answer: z.string(),
  metadata: z.looseObject({ usage, retriever_resources: z.array(z.looseObject({ document_name: z.string().nullish() })).nullish() }).nullish(),
});
export type ChatBlockingResponse = z.infer<typeof chatBlockingSchema>;
export type CompletionBlockingResponse = ChatBlockingResponse;

export const workflowBlockingSchema = z.looseObject({
  task_id: z.string().nullish(),
  workflow_run_id: z.string(),
  data: z.looseObject({
    id: z.string(),
    status: z.string(),
    outputs: z.record(z.string(), z.unknown()).nullish(),
    error: z.string().nullish(),
    elapsed_time: z.number().nullish(),
    total_tokens: z.number().nullish(),
  }),
});
export type WorkflowBlockingResponse = z.infer<typeof workflowBlockingSchema>;

const formControl = z.record(z.string(), z.looseObject({ variable: z.string(), label: z.string().nullish(), required: z.boolean().nullish() }));
export const parametersSchema = z.looseObject({
  opening_statement: z.string().nullish(),
  suggested_questions: z.array(z.string()).nullish(),
  suggested_questions_after_answer: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  retriever_resource: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  annotation_reply: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  speech_to_text: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  user_input_form: z.array(formControl).nullish(),
  file_upload: z.record(z.string(), z.unknown()).nullish(),
});
export type AppParameters = z.infer<typeof parametersSchema>;

const renamedSchema = z.looseObject({ id: z.string().nullish(), name: z.string() });

export const infoSchema = z.looseObject({
  name: z.string().nullish(),
  description: z.string().nullish(),
  mode: z.string().nullish(),
});
export type AppInfo = z.infer<typeof infoSchema>;

/** GET /site: the app's WebApp settings (its name and icon as people know them). */
export const siteSchema = z.looseObject({
  title: z.string().nullish(),
  icon_type: z.string().nullish(),
  icon: z.string().nullish(),
  icon_url: z.string().nullish(),
  description: z.string().nullish(),
  custom_disclaimer: z.string().nullish(),
});
export type AppSite = z.infer<typeof siteSchema>;

const resultSchema = z.looseObject({ result: z.string().optional() });
const suggestedSchema = z.looseObject({ data: z.array(z.string()) });
const uploadSchema = z.looseObject({ id: z.string() });
const transcriptSchema = z.looseObject({ text: z.string() });

/** A file and its Dify user as multipart form data (the name without path separators). */
function fileForm(file: { data: Uint8Array; filename: string; mimeType: string; user: string }): FormData {
  const form = new FormData();
  form.set('user', file.user);
  form.set('file', new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.mimeType }), file.filename.replace(/[/\\]/g, '_'));
  return form;
}

interface Invoker<P extends { responseMode: ResponseMode }, B> {
  invoke(appId: string, params: P & { responseMode: 'streaming' }): Promise<DifyEventStream>;
  invoke(appId: string, params: P & { responseMode: 'blocking' }): Promise<B>;
}

export interface DifyClient {
  /** The three invocation interfaces of Dify's "reverse invocation: App", over the Service API. */
  app: {
    chat: Invoker<ChatInvoke, ChatBlockingResponse>;
    workflow: Invoker<WorkflowInvoke, WorkflowBlockingResponse>;
    completion: Invoker<CompletionInvoke, CompletionBlockingResponse>;
  };
  /** Asks Dify to stop a streaming task (best effort: Dify's stop is known to be unreliable). */
  stop(appId: string, taskId: string, user: string): Promise<void>;
  parameters(appId: string): Promise<AppParameters>;
  info(appId: string): Promise<AppInfo>;
  /** Speech to text (the app must enable it): an audio file's words. */
  audioToText(appId: string, file: { data: Uint8Array; filename: string; mimeType: string; user: string }): Promise<string>;
  /** Saves a question and its approved answer (annotation reply answers it with this from then on). */
  createAnnotation(appId: string, body: { question: string; answer: string }): Promise<{ id: string }>;
  /** The app's WebApp settings (title, icon, disclaimer); Dify answers 403 for apps without a site. */
  site(appId: string): Promise<AppSite>;
  uploadFile(appId: string, file: { data: Uint8Array; filename: string; mimeType: string; user: string }): Promise<{ id: string }>;
  feedback(appId: string, messageId: string, body: { rating: 'like' | 'dislike' | null; user: string; content?: string }): Promise<void>;
  /** Follow-up questions Dify suggests after an answer (the app must enable them). */
  suggested(appId: string, messageId: string, user: string): Promise<string[]>;
  /** Names a conversation (chat-type apps): `name`, or one Dify generates from its messages. Resolves with the name. */
  renameConversation(appId: string, conversationId: string, body: { name?: string; autoGenerate: boolean; user: string }): Promise<string>;
  /**
   * Downloads a file Dify produced (its signed URL; a relative one is resolved against the
   * app's Dify). The app key is never sent with it.
   */
  downloadFile(appId: string, url: string, maxBytes: number): Promise<{ data: Uint8Array; mimeType?: string }>;
  /** A paused run's Human Input form (Workflow and Chatflow apps): read it, and answer it. */
  humanInput: {
    form(appId: string, formToken: string): Promise<HumanInputForm>;
    /** Final: the form closes and the run resumes (follow it with `workflowEvents`). */
    submit(appId: string, formToken: string, submission: HumanInputSubmission): Promise<void>;
  };
  /**
   * The events of a running, paused or finished workflow run, for the `user` that started it
   * (re-attaching after a dropped stream, or following a resumed run). Not a replay: only
   * what happens from now on, unless `includeStateSnapshot`.
   */
  workflowEvents(
    appId: string,
    workflowRunId: string,
    opts: { user: string; includeStateSnapshot?: boolean; continueOnPause?: boolean; signal?: AbortSignal },
  ): Promise<DifyEventStream>;
  /** How a workflow run stands (status, outputs): the way to confirm a run's end. */
  workflowRun(appId: string, workflowRunId: string): Promise<WorkflowRun>;
  close(): Promise<void>;
}

const STOP_PATH: Record<AppType, (taskId: string) => string> = {
  chat: (t) => `/chat-messages/${encodeURIComponent(t)}/stop`,
  completion: (t) => `/completion-messages/${encodeURIComponent(t)}/stop`,
  workflow: (t) => `/workflows/tasks/${encodeURIComponent(t)}/stop`,
};

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  throw new DifyError('protocol', 'invalid_response', `Dify's ${what} answer is not in the expected shape (${first?.path.join('.')}: ${first?.message})`);
}

export interface DifyClientOptions {
  /** Origins besides the apps' API URLs that Dify's file URLs may point at (Dify's FILES_URL). */
  fileOrigins?: readonly string[];
}

export function createDifyClient(apps: Record<string, DifyApp>, timeouts: DifyTimeouts, options: DifyClientOptions = {}): DifyClient {
  const guard = new FileUrlGuard([...Object.values(apps).map((a) => a.apiUrl), ...(options.fileOrigins ?? [])]);
  const http = new DifyHttp(timeouts, guard);

  const appFor = (appId: string, type?: AppType): DifyApp => {
    const app = Object.hasOwn(apps, appId) ? apps[appId] : undefined;
    if (!app) throw new DifyError('config', 'unknown_app', `"${appId}" is not a configured Dify app`);
    if (type && app.type !== type) throw new DifyError('config', 'wrong_app_type', `"${appId}" is a ${app.type} app, not a ${type} app`);
    return app;
  };

  /** Opens an event stream (POST generations, GET re-attachments); never retried. */
  async function openStream(
    app: DifyApp,
    request: { method: 'GET' | 'POST'; path: string; json?: unknown; query?: Record<string, string> },
    signal: AbortSignal | undefined,
  ): Promise<DifyEventStream> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const res = await http.send(app, { ...request, signal: controller.signal, streaming: true });
    const contentType = String(res.headers['content-type'] ?? '');
    if (!contentType.includes('text/event-stream')) {
      // Some proxies and old versions answer a streaming call with JSON: an error object, most often.
      const text = await res.body.text();
      throw new DifyError('protocol', 'not_a_stream', `Dify answered a streaming request with ${contentType || 'no content type'}: ${text.slice(0, 120)}`);
    }
    return new DifyEventStream(res.body, controller);
  }

  async function generate<B>(
    appId: string,
    type: AppType,
    path: string,
    body: Record<string, unknown>,
    params: BaseInvoke<ResponseMode>,
    blockingSchema: z.ZodType<B>,
  ): Promise<DifyEventStream | B> {
    const app = appFor(appId, type);
    const payload = {
      ...body,
      inputs: params.inputs,
      user: params.user,
      response_mode: params.responseMode,
      ...(params.files && params.files.length > 0 ? { files: params.files } : {}),
    };
    // Never retried: a repeated generation POST would run the app twice.
    if (params.responseMode === 'streaming') return openStream(app, { method: 'POST', path, json: payload }, params.signal);
    const json = await http.json(app, { method: 'POST', path, json: payload, ...(params.signal ? { signal: params.signal } : {}) });
    return validate(blockingSchema, json, 'blocking');
  }

  const chat = {
    invoke: (appId: string, p: ChatInvoke) =>
      generate(
        appId,
        'chat',
        '/chat-messages',
        { query: p.query, conversation_id: p.conversationId ?? '', ...(p.autoGenerateName === false ? { auto_generate_name: false } : {}) },
        p,
        chatBlockingSchema,
      ),
  } as Invoker<ChatInvoke, ChatBlockingResponse>;
  const workflow = {
    invoke: (appId: string, p: WorkflowInvoke) => generate(appId, 'workflow', '/workflows/run', {}, p, workflowBlockingSchema),
  } as Invoker<WorkflowInvoke, WorkflowBlockingResponse>;
  const completion = {
    invoke: (appId: string, p: CompletionInvoke) => generate(appId, 'completion', '/completion-messages', { query: p.query ?? '' }, p, chatBlockingSchema),
  } as Invoker<CompletionInvoke, CompletionBlockingResponse>;

  return {
    app: { chat, workflow, completion },
    async stop(appId, taskId, user) {
      const app = appFor(appId);
      await http.json(app, { method: 'POST', path: STOP_PATH[app.type](taskId), json: { user } });
    },
    async parameters(appId) {
      return validate(parametersSchema, await http.json(appFor(appId), { method: 'GET', path: '/parameters' }), 'parameters');
    },
    async info(appId) {
      return validate(infoSchema, await http.json(appFor(appId), { method: 'GET', path: '/info' }), 'info');
    },
    async audioToText(appId, file) {
      // Dify checks the part's Content-Type, not the name.
      return validate(transcriptSchema, await http.json(appFor(appId), { method: 'POST', path: '/audio-to-text', form: fileForm(file) }), 'transcript').text;
    },
    async createAnnotation(appId, body) {
      return validate(uploadSchema, await http.json(appFor(appId), { method: 'POST', path: '/apps/annotations', json: body }), 'annotation');
    },
    async site(appId) {
      return validate(siteSchema, await http.json(appFor(appId), { method: 'GET', path: '/site' }), 'site');
    },
    async uploadFile(appId, file) {
      return validate(uploadSchema, await http.json(appFor(appId), { method: 'POST', path: '/files/upload', form: fileForm(file) }), 'upload');
    },
    async feedback(appId, messageId, body) {
      const json = await http.json(appFor(appId), { method: 'POST', path: `/messages/${encodeURIComponent(messageId)}/feedbacks`, json: body });
      validate(resultSchema, json, 'feedback');
    },
    async suggested(appId, messageId, user) {
      const json = await http.json(appFor(appId), { method: 'GET', path: `/messages/${encodeURIComponent(messageId)}/suggested`, query: { user } });
      return validate(suggestedSchema, json, 'suggested questions').data;
    },
    async renameConversation(appId, conversationId, body) {
      const json = await http.json(appFor(appId), {
        method: 'POST',
        path: `/conversations/${encodeURIComponent(conversationId)}/name`,
        json: { ...(body.name !== undefined ? { name: body.name } : {}), auto_generate: body.autoGenerate, user: body.user },
      });
      return validate(renamedSchema, json, 'conversation').name;
    },
    async downloadFile(appId, url, maxBytes) {
      const target = new URL(url, appFor(appId).apiUrl);
      guard.check(target);
      return http.download(target, maxBytes);
    },
    humanInput: {
      async form(appId, formToken) {
        const json = await http.json(appFor(appId), { method: 'GET', path: `/form/human_input/${encodeURIComponent(formToken)}` });
        return validate(humanInputFormSchema, json, 'Human Input form');
      },
      async submit(appId, formToken, submission) {
        await http.json(appFor(appId), { method: 'POST', path: `/form/human_input/${encodeURIComponent(formToken)}`, json: submission });
      },
    },
    workflowEvents(appId, workflowRunId, opts) {
      const query: Record<string, string> = { user: opts.user };
      // Dify enables these only for the string "true".
      if (opts.includeStateSnapshot) query['include_state_snapshot'] = 'true';
      if (opts.continueOnPause) query['continue_on_pause'] = 'true';
      return openStream(appFor(appId), { method: 'GET', path: `/workflow/${encodeURIComponent(workflowRunId)}/events`, query }, opts.signal);
    },
    async workflowRun(appId, workflowRunId) {
      const json = await http.json(appFor(appId), { method: 'GET', path: `/workflows/run/${encodeURIComponent(workflowRunId)}` });
      return validate(workflowRunSchema, json, 'workflow run');
    },
    close: () => http.close(),
  };
}
