import type { RedactionPreset } from '../config/moderation-rules.js';

/** Built-in redaction rules, by the name used in BRIDGE_CONFIG `moderation.redact.presets`. */
export const REDACTION_PRESETS = {
  /** Slack bot/user/app tokens and incoming-webhook URLs. */
  slack_tokens: [
    /\bxox[abposre]-[A-Za-z0-9-]{10,}/g,
    /\bxapp-\d-[A-Za-z0-9-]{10,}/g,
    /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g,
  ],
  /** Common API key shapes (OpenAI, Anthropic, Dify app keys, AWS, GitHub, Google) and bearer tokens. */
  api_keys: [
    /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g,
    /\bapp-[A-Za-z0-9]{20,}/g,
    /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
    /\bgithub_pat_[A-Za-z0-9_]{40,}/g,
    /\bAIza[0-9A-Za-z_-]{35}\b/g,
    /(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi,
  ],
  emails: [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g],
  /** 13–19 digits, spaced or dashed, that pass the Luhn check (so order numbers stay). */
  card_numbers: [/\b(?:\d[ -]?){12,18}\d\b/g],
} as const satisfies Record<RedactionPreset, readonly RegExp[]>;

/** Only card-number candidates that pass the Luhn checksum are redacted. */
export function passesLuhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
