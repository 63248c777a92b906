import { describe, expect, it } from 'vitest';
import { decodeThreadKey, difyUserForThread, encodeThreadKey, messageClaimKey } from '../../src/core/chat/keys.js';

describe('keys', () => {
  it('round-trips thread keys, including a DM timeline', () => {
    for (const ref of [
      { teamId: 'T1', channelId: 'C1', threadTs: '1700000000.000100' },
      { teamId: 'T1', channelId: 'D1', threadTs: '' },
    ])
      expect(decodeThreadKey(encodeThreadKey(ref))).toEqual(ref);
  });

  it('gives every thread its own Dify user, the same for everyone in it', () => {
    const a = difyUserForThread({ teamId: 'T1', channelId: 'C1', threadTs: '1.1' });
    expect(a).toBe('slack:T1:C1:1.1');
    expect(difyUserForThread({ teamId: 'T1', channelId: 'D1', threadTs: '' })).toBe('slack:T1:D1:dm');
    expect(a).not.toBe(difyUserForThread({ teamId: 'T1', channelId: 'C1', threadTs: '1.2' }));
  });

  it('refuses parts that could forge another key', () => {
    expect(() => encodeThreadKey({ teamId: 'T1', channelId: 'C1:x', threadTs: '1' })).toThrow();
    expect(() => messageClaimKey('T1', 'C1', '1:2')).toThrow();
    expect(() => decodeThreadKey('nope')).toThrow();
  });
});
