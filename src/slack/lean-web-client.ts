import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type FetchFunction,
  type WebAPICallResult,
  type WebClientOptions,
} from '@slack/web-api';

/** The calls every streaming answer makes, again and again. */
const HOT_METHODS: ReadonlySet<string> = new Set(['chat.postMessage', 'chat.update', 'chat.appendStream']);

/**
 * The Web API client, with a short way for the calls a streaming answer repeats. For those the
 * Web API client's own path costs more than the call: a request queue, a retry wrapper (the
 * bridge makes no retries), and two debug lines built whether or not debug is on, each a
 * redacted JSON copy of the whole message. Here the same request is sent through the same
 * fetch, and the same errors are thrown (platform, rate limited, HTTP, request), so callers
 * see no difference. Every other method, and any call with a rate-limit retry policy, takes
 * the client's own path.
 */
export class LeanWebClient extends WebClient {
  private readonly send: FetchFunction;
  private readonly lean: boolean;

  constructor(token: string | undefined, options: WebClientOptions = {}) {
    super(token, options);
    this.send = options.fetch ?? ((url, init) => fetch(url, init));
    // The short way rejects rate-limited calls, as the bridge's clients are set up to.
    this.lean = options.rejectRateLimitedCalls === true && (options.retryConfig?.retries ?? 10) === 0;
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    if (!this.lean || !HOT_METHODS.has(method)) return super.apiCall(method, options);
    const token = typeof options['token'] === 'string' ? options['token'] : this.token;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    let response: Awaited<ReturnType<FetchFunction>>;
    try {
      response = await this.send(`${this.slackApiUrl}${method}`, { method: 'POST', headers, body: formBody(options), redirect: 'error' });
    } catch (err) {
      throw new WebAPIRequestError(err instanceof Error ? err : new Error(String(err)));
    }
    if (response.status === 429) {
      const retrySec = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retrySec)) throw new WebAPIRateLimitedError(retrySec);
    }
    if (response.status !== 200) {
      throw new WebAPIHTTPError(response.status, response.statusText, Object.fromEntries(response.headers.entries()), await response.text());
    }
    const text = await response.text();
    let result: WebAPICallResult & { error?: string };
    try {
      result = JSON.parse(text) as WebAPICallResult & { error?: string };
    } catch {
      result = { ok: false, error: text };
    }
    // As the Web API client: the token's scopes from the headers, under response_metadata.
    const metadata = (result.response_metadata ??= {});
    const scopes = response.headers.get('x-oauth-scopes');
    if (scopes !== null) metadata.scopes = scopes.trim().split(/\s*,\s*/);
    const accepted = response.headers.get('x-accepted-oauth-scopes');
    if (accepted !== null) metadata.acceptedScopes = accepted.trim().split(/\s*,\s*/);
    if (result.ok !== true) throw new WebAPIPlatformError({ ...result, error: result.error ?? 'unknown_error' });
    return result;
  }
}

/** The Web API client's encoding: a form, with every value that is not a string, number or boolean as JSON. */
function formBody(options: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (key === 'token' || value === undefined || value === null) continue;
    form.append(key, typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value));
  }
  return form.toString();
}
