/**
 * The moderation rules of BRIDGE_CONFIG: their shape, the defaults, and how a pattern is
 * checked at start-up. The extension route applies them (src/extension/moderation.ts).
 */

/** The redaction presets the extension knows (src/extension/redaction-presets.ts has their patterns). */
export const PRESET_NAMES = ['slack_tokens', 'api_keys', 'emails', 'card_numbers'] as const;
export type RedactionPreset = (typeof PRESET_NAMES)[number];

export interface ModerationConfig {
  /** Texts matching any rule are refused with the rule's response (Dify's direct_output). */
  block: Array<{ keywords: string[]; patterns: string[]; response: string }>;
  /** Matches are replaced and the text goes on (Dify's overridden). */
  redact: { presets: RedactionPreset[]; patterns: string[]; replacement: string };
}

export const DEFAULT_MODERATION: ModerationConfig = {
  block: [],
  redact: { presets: ['slack_tokens', 'api_keys'], patterns: [], replacement: '[redacted]' },
};

/** A regex from config, or the reason it is not one (for a start-up error). */
export function compilePattern(source: string, flags: string): RegExp | string {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : 'invalid';
  }
}
