import { fenceStateAt } from './fences.js';
import { findTables } from './tables.js';

/** A table's header and delimiter lines (what a page that continues the table starts with). */
function headerLines(text: string, start: number): string {
  const first = text.indexOf('\n', start);
  const second = first < 0 ? -1 : text.indexOf('\n', first + 1);
  return second < 0 ? '' : text.slice(start, second);
}

/**
 * Splits Markdown into pages of at most `limit` characters: at a paragraph break if one is
 * in the second half of the page, else at a line break, else at a space; never inside a word
 * unless a single word is longer than a page. A code block cut in two is closed at the end
 * of one page and reopened (with its language) at the start of the next, so both render; a
 * table cut in two starts the next page with its header again, so its rows stay a table.
 *
 * Stable as the text grows: once the text is longer than a page, the first page's cut
 * depends only on its first `limit` characters, so a streamed answer's early pages do not move.
 */
export function splitMarkdown(text: string, limit: number): string[] {
  if (limit < 64) throw new Error('page limit too small');
  const pages: string[] = [];
  let rest = text;
  let reopen = '';
  const tables = text.length > limit ? findTables(text) : [];
  let offset = 0;
  for (;;) {
    const prefix = reopen ? `${reopen}\n` : '';
    if (prefix.length + rest.length <= limit) {
      pages.push(prefix + rest);
      return pages;
    }
    // Room for the prefix and for a fence closed at the page's end ("\n" + up to 8 marker chars).
    const budget = limit - prefix.length - 9;
    const cut = chooseCut(rest, budget);
    const chunk = rest.slice(0, cut);
    const state = fenceStateAt(prefix + chunk);
    if (state.marker) {
      pages.push(`${prefix}${chunk}${chunk.endsWith('\n') ? '' : '\n'}${state.marker}`);
      reopen = state.openLine!;
    } else {
      pages.push(prefix + chunk);
      const at = offset + cut;
      const table = tables.find((t) => t.start < at && at < t.end);
      const header = table ? headerLines(text, table.start) : '';
      // A header as long as a page would leave no room for rows: such a table is split as text.
      reopen = header && header.length < budget / 2 && at > table!.start + header.length ? header : '';
    }
    rest = rest.slice(cut);
    offset += cut;
  }
}

function chooseCut(text: string, budget: number): number {
  const window = text.slice(0, budget);
  const half = Math.floor(budget / 2);
  const para = window.lastIndexOf('\n\n');
  if (para >= half) return para + 2;
  const line = window.lastIndexOf('\n');
  if (line >= half) return line + 1;
  const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
  if (space >= half) return space + 1;
  const best = Math.max(para > 0 ? para + 2 : 0, line > 0 ? line + 1 : 0, space > 0 ? space + 1 : 0);
  if (best > 0) return best;
  // One "word" longer than a page (a URL, a base64 blob): cut it, but not inside a surrogate pair.
  const code = text.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}
