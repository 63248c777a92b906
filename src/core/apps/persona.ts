import { createRequire } from 'node:module';
import type { PersonaConfig } from '../../config/types.js';
import type { AppSite } from '../../dify/client.js';
import type { Persona } from '../ports.js';

/** Emoji → the names Slack knows them by (iamcal's emoji-data, the set Slack uses), by code points ("1F916"). */
let slackNames: Record<string, string | string[]> | undefined;
function namesByCodePoints(): Record<string, string | string[]> {
  slackNames ??= createRequire(import.meta.url)('emojibase-data/en/shortcodes/iamcal.json') as Record<string, string | string[]>;
  return slackNames;
}

/** "🤖" → ":robot_face:"; undefined for what Slack has no name for (icon_emoji takes names only). */
export function slackEmojiName(emoji: string): string | undefined {
  const points = [...emoji].map((c) => c.codePointAt(0)!.toString(16).toUpperCase());
  const names = namesByCodePoints();
  // Emoji data keys drop the variation selector FE0F on most emoji, keep it on a few.
  const found = names[points.join('-')] ?? names[points.filter((p) => p !== 'FE0F').join('-')];
  const name = Array.isArray(found) ? found[0] : found;
  return name ? `:${name}:` : undefined;
}

/**
 * The name and icon an app answers with: BRIDGE_CONFIG `persona` first, then Dify's WebApp
 * title and icon (an emoji icon as Slack's emoji name, an image as its URL). `false`: the bot's own.
 */
export function personaOf(config: PersonaConfig | false | undefined, site: AppSite | undefined): Persona | undefined {
  if (config === false) return undefined;
  const name = (config?.name ?? site?.title ?? '').trim().slice(0, 80);
  if (!name) return undefined;
  if (config?.iconEmoji) return { name, iconEmoji: config.iconEmoji };
  if (config?.iconUrl) return { name, iconUrl: config.iconUrl };
  if (site?.icon_type === 'emoji' && site.icon) {
    const emoji = slackEmojiName(site.icon);
    return emoji ? { name, iconEmoji: emoji } : { name };
  }
  const url = site?.icon_url ?? '';
  return /^https:\/\//.test(url) ? { name, iconUrl: url } : { name };
}

/** Dify signs its file URLs for FILES_ACCESS_TIMEOUT (5 minutes by default): an icon URL Slack may not fetch later. */
export const isExpiringDifyUrl = (url: string): boolean => /[?&]sign=/.test(url) && /[?&]timestamp=/.test(url);
