import type { LoggedMessage } from './thread-log.js';

/**
 * A thread as lines "Name: text", newest kept within `maxChars` (the end of a thread matters
 * most to the question being asked); the bot's own mention dropped, other mentions named.
 */
export async function transcriptOf(
  messages: LoggedMessage[],
  opts: { nameOf(userId: string): Promise<string>; botUserId?: string | undefined; maxChars: number },
): Promise<string> {
  const lines: string[] = [];
  let size = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const line = await lineOf(messages[i]!, opts.nameOf, opts.botUserId);
    if (size + line.length + 1 > opts.maxChars) {
      if (lines.length === 0) lines.push(`…${line.slice(line.length - opts.maxChars + 1)}`);
      break;
    }
    lines.push(line);
    size += line.length + 1;
  }
  return lines.reverse().join('\n');
}

async function lineOf(m: LoggedMessage, nameOf: (id: string) => Promise<string>, bot: string | undefined): Promise<string> {
  let text = m.text.replace(/\s*\n\s*/g, ' ').trim();
  // Addressing the bot says nothing about the thread (and live messages arrive without it).
  if (bot) text = text.replace(new RegExp(`<@${bot}(\\|[^>]*)?>\\s*`, 'g'), '').trim();
  // <@U123> → @Name (a few lookups at most; the names are cached by the caller).
  for (const id of new Set([...text.matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g)].map((x) => x[1]!).slice(0, 5))) {
    text = text.replace(new RegExp(`<@${id}(\\|[^>]*)?>`, 'g'), `@${await nameOf(id)}`);
  }
  return `${await nameOf(m.userId)}: ${text}`;
}

/** A name lookup that asks once per person. */
export function cachedNames(lookup: (userId: string) => Promise<string | undefined>): (userId: string) => Promise<string> {
  const names = new Map<string, string>();
  return async (userId) => {
    if (!names.has(userId)) names.set(userId, (await lookup(userId).catch(() => undefined)) ?? userId);
    return names.get(userId)!;
  };
}
