import { Agent, errors as undiciErrors, request, type Dispatcher, type FormData } from 'undici';
import { z } from 'zod';
import type { DifyTimeouts } from './types.js';
import { DifyError } from './errors.js';
import type { FileUrlGuard } from './file-guard.js';

export interface HttpTarget {
  apiUrl: string;
  apiKey: string;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  /** Streaming reads allow the idle timeout between chunks; blocking calls the whole-call limit. */
  streaming?: boolean;
}

const errorBody = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
  status: z.number().optional(),
});

export class DifyHttp {
  private readonly agent: Agent;
  /** File downloads (URLs from Dify output) connect through the guard's lookup, on their own pool. */
  private readonly files: Agent;

  constructor(
    private readonly timeouts: DifyTimeouts,
    guard?: FileUrlGuard,
  ) {
    this.agent = new Agent({ connect: { timeout: timeouts.connectMs }, keepAliveTimeout: 30_000 });
    this.files = new Agent({ connect: { timeout: timeouts.connectMs, ...(guard ? { lookup: guard.lookup } : {}) }, keepAliveTimeout: 10_000 });
  }

  /** Sends one request; resolves with the response only for a 2xx status, else throws DifyError. */
  async send(target: HttpTarget, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
    const url = new URL(`${target.apiUrl}${opts.path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}` };
    let body: string | FormData | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: opts.method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(opts.signal ? { signal: opts.signal } : {}),
        dispatcher: this.agent,
        headersTimeout: opts.streaming ? this.timeouts.connectMs + this.timeouts.idleMs : this.timeouts.blockingMs,
        bodyTimeout: opts.streaming ? this.timeouts.idleMs : this.timeouts.blockingMs,
      });
    } catch (err) {
      throw toDifyError(err, opts.signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await res.body.text().catch(() => '');
    let parsed: z.infer<typeof errorBody> = {};
    try {
      const r = errorBody.safeParse(JSON.parse(text));
      if (r.success) parsed = r.data;
    } catch {
      // Not JSON (a proxy's HTML error page, say): keep the start of the text.
    }
    throw new DifyError('http', parsed.code ?? `http_${res.statusCode}`, parsed.message || text.slice(0, 200) || `HTTP ${res.statusCode}`, res.statusCode);
  }

  async json(target: HttpTarget, opts: RequestOptions): Promise<unknown> {
    const res = await this.send(target, opts);
    try {
      const text = await res.body.text();
      return text === '' ? {} : (JSON.parse(text) as unknown);
    } catch (err) {
      if (err instanceof SyntaxError) throw new DifyError('protocol', 'invalid_json', 'Dify answered with a body that is not JSON');
      throw toDifyError(err, opts.signal);
    }
  }

  /**
   * GET without credentials (signed file URLs), reading at most `maxBytes`. Redirects are not
   * followed (a 3xx is a failure): the guard vouched for this URL, not for where it points.
   */
  async download(url: URL, maxBytes: number): Promise<{ data: Uint8Array; mimeType?: string }> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new DifyError('protocol', 'bad_file_url', `Dify gave a file URL that is not http(s): ${url.protocol}`);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', dispatcher: this.files, headersTimeout: this.timeouts.blockingMs, bodyTimeout: this.timeouts.idleMs });
    } catch (err) {
      throw toDifyError(err);
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new DifyError('http', `http_${res.statusCode}`, `Downloading a file from Dify failed (HTTP ${res.statusCode})`, res.statusCode);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      throw new DifyError('protocol', 'file_too_large', `A file from Dify is larger than ${Math.round(maxBytes / 1e6)} MB`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        throw new DifyError('protocol', 'file_too_large', `A file from Dify is larger than ${Math.round(maxBytes / 1e6)} MB`);
      }
      chunks.push(chunk as Buffer);
    }
    const type = res.headers['content-type'];
    return { data: new Uint8Array(Buffer.concat(chunks)), ...(typeof type === 'string' ? { mimeType: type.split(';')[0]!.trim() } : {}) };
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.files.close()]);
  }
}

export function toDifyError(err: unknown, signal?: AbortSignal): DifyError {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof DifyError) return e;
  if (signal?.aborted) return new DifyError('aborted', 'aborted', 'The request to Dify was cancelled', undefined, { cause: err });
  if (err instanceof undiciErrors.BodyTimeoutError) {
    return new DifyError('timeout', 'idle_timeout', 'Dify stopped sending data (idle timeout)', undefined, { cause: err });
  }
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
    return new DifyError('timeout', 'timeout', 'Dify did not answer in time', undefined, { cause: err });
  }
  const code = findCode(err);
  if (code === 'ECONNREFUSED') return new DifyError('network', 'connection_refused', 'Dify refused the connection', undefined, { cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new DifyError('network', 'dns', "Dify's host name could not be resolved", undefined, { cause: err });
  return new DifyError('network', code?.toLowerCase() ?? 'network_error', `The connection to Dify failed (${code ?? 'network error'})`, undefined, {
    cause: err,
  });
}

function findCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return code;
    if (e instanceof AggregateError && e.errors[0]) return findCode(e.errors[0]);
  }
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
