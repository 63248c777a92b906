import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_MODERATION } from '../../src/config/moderation-rules.js';
import { Moderator } from '../../src/extension/moderation.js';
import { passesLuhn } from '../../src/extension/redaction-presets.js';

describe('Moderator', () => {
  const m = new Moderator({
    block: [
      { keywords: ['merger', 'ハック'], patterns: [], response: 'Not here.' },
      { keywords: [], patterns: ['pass(word)?\\s*[:=]'], response: 'No credentials, please.' },
    ],
    redact: { presets: ['emails', 'card_numbers'], patterns: ['INC-\\d+'], replacement: '█' },
  });

  it('blocks whole-word keywords case-insensitively, and substrings in scripts without spaces', () => {
    expect(m.output('The MERGER is off').flagged).toBe(true);
    expect(m.output('mergers and acquisitions').flagged).toBe(false);
    expect(m.output('システムをハックする')).toEqual({ flagged: true, action: 'direct_output', preset_response: 'Not here.', text: 'システムをハックする' });
    expect(m.input({ a: 'password: hunter2' }, '').preset_response).toBe('No credentials, please.');
  });

  it('redacts every match, keeping text around it, with Luhn-checked card numbers', () => {
    expect(m.output('Ticket INC-42 and INC-43 from a@b.io; card 4242-4242-4242-4242, ref 1234-5678-9012-3456').text).toBe(
      'Ticket █ and █ from █; card █, ref 1234-5678-9012-3456',
    );
  });

  it('always says an action, also when nothing is flagged', () => {
    expect(m.input({ x: 1 }, 'hello')).toEqual({ flagged: false, action: 'direct_output', preset_response: '', inputs: { x: 1 }, query: 'hello' });
  });

  it('is stable across calls (no regex state leaks between texts)', () => {
    const d = new Moderator(DEFAULT_MODERATION);
    for (let i = 0; i < 3; i++) expect(d.output('xoxb-111111111111-abcdefghijkl').text).toBe('[redacted]');
  });

  it('Luhn: accepts valid card numbers only', () => {
    expect(passesLuhn('4111 1111 1111 1111')).toBe(true);
    expect(passesLuhn('4111 1111 1111 1112')).toBe(false);
    expect(passesLuhn('1234')).toBe(false);
  });
});

describe('moderation configuration', () => {
  it('reports an invalid regex at start-up, naming where it is', () => {
    const file = JSON.stringify({
      apps: { a: { type: 'chat', apiKey: 'k' } },
      moderation: { block: [{ patterns: ['(unclosed'], response: 'x' }], redact: { presets: ['emails', 'phones'], patterns: ['[z-a]'] } },
    });
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', BRIDGE_CONFIG: 'b.json' }, () => file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(['BRIDGE_CONFIG moderation.redact.presets.1: "phones" is not a preset (expected slack_tokens, api_keys, emails, card_numbers)']);
    const file2 = JSON.stringify({
      apps: { a: { type: 'chat', apiKey: 'k' } },
      moderation: { block: [{ patterns: ['(unclosed'], response: 'x' }], redact: { patterns: ['[z-a]'] } },
    });
    const r2 = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', BRIDGE_CONFIG: 'b.json' }, () => file2);
    expect(r2.ok ? [] : r2.problems).toEqual([
      'BRIDGE_CONFIG moderation.block[0].patterns[0]: is not a valid regular expression (/(unclosed/iu: Unterminated group)',
      'BRIDGE_CONFIG moderation.redact.patterns[0]: is not a valid regular expression (/[z-a]/giu: Range out of order in character class)',
    ]);
  });
});
