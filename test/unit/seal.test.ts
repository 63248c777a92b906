import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../src/slack/oauth/seal.js';

const key = Buffer.alloc(32, 1);

describe('seal', () => {
  it('round-trips, with a fresh nonce each time', () => {
    const a = seal(key, '{"bot":{"token":"xoxb-1"}}', 'installation:T:T1');
    const b = seal(key, '{"bot":{"token":"xoxb-1"}}', 'installation:T:T1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('xoxb');
    expect(unseal(key, a, 'installation:T:T1')).toBe('{"bot":{"token":"xoxb-1"}}');
  });

  it('does not open under another key, for another record, or once altered', () => {
    const sealed = seal(key, 'secret', 'installation:T:T1');
    expect(() => unseal(Buffer.alloc(32, 2), sealed, 'installation:T:T1')).toThrow();
    expect(() => unseal(key, sealed, 'installation:T:T2')).toThrow();
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => unseal(key, [v, iv, tag, flipped.toString('base64url')].join('.'), 'installation:T:T1')).toThrow();
    expect(() => unseal(key, 'plain text', 'installation:T:T1')).toThrow('not a sealed value');
  });
});
