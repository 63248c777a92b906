import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../src/logger.js';
import { describeRequest } from '../../src/slack/observe-requests.js';

describe('scrubSecrets', () => {
  it('blanks Slack tokens, Dify keys, Bearer values and the configured secrets wherever they appear', () => {
    expect(scrubSecrets('token xoxb-123-456-abcDEF and xapp-1-A1-9-zz')).toBe('token [redacted] and [redacted]');
    expect(scrubSecrets('key app-abcdefghijklmnop1234 rejected')).toBe('key [redacted] rejected');
    expect(scrubSecrets('Authorization: Bearer s3cr3t-value, next')).toBe('Authorization: Bearer [redacted], next');
    expect(scrubSecrets('signing secret is hunter2-long', ['hunter2-long'])).toBe('signing secret is [redacted]');
    expect(scrubSecrets('nothing to hide: app-mention, xoxo')).toBe('nothing to hide: app-mention, xoxo');
  });

  it('applies to nested fields of what is logged, not only to the message', () => {
    const lines: string[] = [];
    const logger = createLogger('info', {
      pretty: false,
      secrets: ['my-extension-key'],
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    });
    logger.info({ err: { message: 'failed with my-extension-key', data: { headers: ['Bearer abc.def'] } }, token: 'plain' }, 'call failed');
    expect(lines.join('')).not.toContain('my-extension-key');
    expect(lines.join('')).not.toContain('abc.def');
    expect(JSON.parse(lines[0]!)).toMatchObject({ token: '[redacted]', msg: 'call failed' });
  });
});

describe('describeRequest', () => {
  it('names each kind of Slack request and where it comes from', () => {
    expect(describeRequest({ type: 'event_callback', team_id: 'T1', event: { type: 'app_mention', channel: 'C1', user: 'U1', text: 'secret' } })).toEqual({
      type: 'app_mention',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      quiet: false,
    });
    expect(describeRequest({ type: 'event_callback', team_id: 'T1', event: { type: 'message', subtype: 'message_changed', channel: 'C1' } })).toMatchObject({
      type: 'message',
      quiet: true,
    });
    expect(describeRequest({ command: '/dify', team_id: 'T1', channel_id: 'C2', user_id: 'U2', text: 'x' })).toEqual({
      type: 'slash_command',
      team: 'T1',
      channel: 'C2',
      user: 'U2',
      quiet: false,
    });
    expect(describeRequest({ type: 'block_actions', team: { id: 'T1' }, channel: { id: 'C3' }, user: { id: 'U3' } })).toEqual({
      type: 'block_actions',
      team: 'T1',
      channel: 'C3',
      user: 'U3',
      quiet: false,
    });
    expect(describeRequest('garbage')).toEqual({ type: 'unknown', quiet: false });
  });
});
