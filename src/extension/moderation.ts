import type { ModerationConfig } from '../config/moderation-rules.js';
import { passesLuhn, REDACTION_PRESETS } from './redaction-presets.js';

/** Dify's ModerationInputsResult / ModerationOutputsResult, `action` always present. */
export interface InputVerdict {
  flagged: boolean;
  action: 'direct_output' | 'overridden';
  preset_response: string;
  inputs: Record<string, unknown>;
  query: string;
}
export interface OutputVerdict {
  flagged: boolean;
  action: 'direct_output' | 'overridden';
  preset_response: string;
  text: string;
}

interface CompiledBlock {
  test: RegExp;
  response: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whole words for ASCII keywords; plain substrings for CJK and other scripts without spaces. */
const keywordSource = (k: string) => `${/^\w/.test(k) ? '\\b' : ''}${escape(k)}${/\w$/.test(k) ? '\\b' : ''}`;

/**
 * Moderation rules compiled once at start-up. Dify calls output moderation for about every
 * 100 characters it streams, so a check is a few precompiled regex scans and nothing else.
 */
export class Moderator {
  private readonly blocks: CompiledBlock[];
  private readonly redactions: Array<{ re: RegExp; luhn: boolean }>;
  private readonly replacement: string;

  constructor(config: ModerationConfig) {
    this.blocks = config.block.flatMap((rule) => {
      const parts = [...rule.keywords.filter(Boolean).map(keywordSource), ...rule.patterns.map((p) => `(?:${p})`)];
      return parts.length ? [{ test: new RegExp(parts.join('|'), 'iu'), response: rule.response }] : [];
    });
    this.redactions = [
      ...config.redact.presets.flatMap((name) => REDACTION_PRESETS[name].map((re) => ({ re, luhn: name === 'card_numbers' }))),
      ...config.redact.patterns.map((p) => ({ re: new RegExp(p, 'giu'), luhn: false })),
    ];
    this.replacement = config.redact.replacement;
  }

  private blockedBy(texts: string[]): CompiledBlock | undefined {
    return this.blocks.find((b) => texts.some((t) => b.test.test(t)));
  }

  private redact(text: string): string {
    let out = text;
    for (const { re, luhn } of this.redactions) {
      re.lastIndex = 0;
      if (!re.test(out)) continue;
      re.lastIndex = 0;
      out = out.replace(re, (m) => (luhn && !passesLuhn(m) ? m : this.replacement));
    }
    return out;
  }

  input(inputs: Record<string, unknown>, query: string): InputVerdict {
    const strings = Object.values(inputs).filter((v): v is string => typeof v === 'string');
    const blocked = this.blockedBy([query, ...strings]);
    if (blocked) return { flagged: true, action: 'direct_output', preset_response: blocked.response, inputs, query };
    let changed = false;
    const redactedInputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(inputs)) {
      const r = typeof v === 'string' ? this.redact(v) : v;
      if (r !== v) changed = true;
      redactedInputs[k] = r;
    }
    const redactedQuery = this.redact(query);
    if (redactedQuery !== query) changed = true;
    if (changed) return { flagged: true, action: 'overridden', preset_response: '', inputs: redactedInputs, query: redactedQuery };
    return { flagged: false, action: 'direct_output', preset_response: '', inputs, query };
  }

  output(text: string): OutputVerdict {
    const blocked = this.blockedBy([text]);
    if (blocked) return { flagged: true, action: 'direct_output', preset_response: blocked.response, text };
    const redacted = this.redact(text);
    if (redacted !== text) return { flagged: true, action: 'overridden', preset_response: '', text: redacted };
    return { flagged: false, action: 'direct_output', preset_response: '', text };
  }
}
