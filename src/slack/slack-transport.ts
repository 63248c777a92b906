import type { FetchFunction } from '@slack/web-api';
import { STATUS_CODES } from 'node:http';
import { Agent, request } from 'undici';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * The Web API client's `fetch` (its FetchFunction contract), on undici's request API with one
 * bounded pool: Node's global fetch (WHATWG streams, an abort controller and transferables per
 * call) was the largest bridge-specific cost per Slack call in the benchmark's CPU profile, and
 * it opens a socket per call in flight, so thousands of answers at once meant thousands of
 * connections. Multipart bodies (file uploads) keep the global fetch.
 */
export function slackTransport(agent: Agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 })): FetchFunction {
  return async (input, init) => {
    if (init?.body !== undefined && typeof init.body !== 'string') return fetch(input, init);
    const url = typeof input === 'string' ? input : input.href;
    const res = await request(url, {
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      headers: init?.headers ?? {},
      ...(init?.body !== undefined ? { body: init.body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
      dispatcher: agent,
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const headers = Object.entries(res.headers).map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]);
    const response: FetchResponse = {
      ok: res.statusCode >= 200 && res.statusCode < 300,
      status: res.statusCode,
      statusText: STATUS_CODES[res.statusCode] ?? '',
      url,
      headers: {
        get: (name: string) => headers.find(([k]) => k === name.toLowerCase())?.[1] ?? null,
        entries: () => headers,
      },
      arrayBuffer: async () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      text: async () => data.toString('utf8'),
      json: async () => JSON.parse(data.toString('utf8')) as unknown,
    };
    return response;
  };
}
