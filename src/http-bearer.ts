import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether a request carries `Authorization: Bearer <secret>`, compared in constant time
 * whatever the lengths (digests have one length, so the secret's length does not leak).
 */
export function bearerCheck(secret: string): (req: IncomingMessage) => boolean {
  const expected = digest(secret);
  return (req) => {
    const m = /^bearer\s+(.+)$/i.exec((req.headers['authorization'] ?? '').trim());
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), expected);
  };
}
