import { isSlackUrl } from '../slack-hosts.js';

export class FileRefused extends Error {
  override readonly name = 'FileRefused';
}

/**
 * Fetches a file a user shared (url_private_download) with the bot token. The token is sent
 * only to Slack's hosts; redirects are followed by hand so a redirect cannot carry it elsewhere.
 */
export async function downloadSlackFile(
  url: string,
  token: string,
  opts: { apiUrl?: string; maxBytes: number },
): Promise<{ data: Uint8Array; mimeType?: string }> {
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    if (!isSlackUrl(current, opts.apiUrl)) throw new FileRefused(`refusing to send the bot token to ${new URL(current).host}`);
    const res = await fetch(current, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location')!, current).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`Slack answered HTTP ${res.status} for a file`);
    }
    const type = res.headers.get('content-type') ?? '';
    // Without a valid token Slack answers 200 with its HTML sign-in page.
    if (type.startsWith('text/html')) {
      await res.body?.cancel();
      throw new Error('Slack answered with a sign-in page: the bot token cannot read this file (files:read scope?)');
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > opts.maxBytes) {
      await res.body?.cancel();
      throw new FileRefused(`file is larger than ${Math.round(opts.maxBytes / 1e6)} MB`);
    }
    const data = await readCapped(res, opts.maxBytes);
    return { data, ...(type ? { mimeType: type.split(';')[0]!.trim() } : {}) };
  }
  throw new Error('too many redirects fetching a Slack file');
}

/** The body, read until it passes `maxBytes` (a missing or false Content-Length must not make us buffer it all). */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FileRefused(`file is larger than ${Math.round(maxBytes / 1e6)} MB`);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
