import type { Sealer } from '../../core/ports.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM with a fresh 96-bit nonce per value. `context` (the record's key) is bound as
 * additional data, so a sealed value moved to another key does not open.
 */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Throws when the value was sealed under another key or context, or was altered. */
export function unseal(key: Buffer, sealed: string, context: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * Seals with the first key; opens with any (a key being rotated out stays readable), saying
 * whether only an older key opened it (then seal it again).
 */
export function keyRing(keys: readonly Buffer[]): Sealer {
  if (keys.length === 0) throw new Error('a key ring needs a key');
  return {
    seal: (plaintext, context) => seal(keys[0]!, plaintext, context),
    open(sealed, context) {
      let last: unknown;
      for (let i = 0; i < keys.length; i++) {
        try {
          return { plaintext: unseal(keys[i]!, sealed, context), stale: i > 0 };
        } catch (err) {
          last = err;
        }
      }
      throw last;
    },
  };
}
