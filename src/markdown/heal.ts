import { fenceStateAt } from './fences.js';
import { CHART_PENDING, openChartAt } from './charts.js';
import { holdBackOpenTable } from './tables.js';

type Marker = '**' | '__' | '~~' | '*' | '_';

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Closes what a partial Markdown answer left open, so an intermediate edit never shows raw
 * markers or turns the rest of the message into code: an open code fence, inline code,
 * bold, italic and strikethrough. A link still being written is held back until complete
 * (unless `keepOpenLink`: a text that will not grow any more keeps every character).
 */
export function healMarkdown(partial: string, options: { keepOpenLink?: boolean } = {}): string {
  const fence = fenceStateAt(partial);
  // A chart still streaming is a line saying so, not its JSON (a final text keeps what it has).
  const chart = options.keepOpenLink ? undefined : openChartAt(partial, fence);
  if (chart !== undefined) {
    const before = partial.slice(0, chart);
    return `${before.trim() ? `${healMarkdown(before).trimEnd()}\n` : ''}${CHART_PENDING}`;
  }
  if (fence.marker) {
    return `${partial}${partial.endsWith('\n') ? '' : '\n'}${fence.marker}`;
  }
  // A final text keeps every character; a growing one holds back an unfinished link or table row.
  const text = options.keepOpenLink ? partial : holdBackOpenTable(holdBackOpenLink(partial));
  const block = lastBlockOutsideFences(text);
  const offset = text.length - block.length;
  const open = openInlineMarkers(block);
  if (open.length === 0) return text;
  let body = text.trimEnd();
  // A marker with nothing after it yet is dropped, not closed: "A **" shows "A", not "A ****".
  for (let last = open.at(-1); last && offset + last.at + last.marker.length >= body.length; last = open.at(-1)) {
    body = body.slice(0, offset + last.at).trimEnd();
    open.pop();
  }
  return (
    body +
    open
      .reverse()
      .map((o) => o.marker)
      .join('')
  );
}

/** Inline markers cannot span a fenced block, so only the text after the last fence matters. */
function lastBlockOutsideFences(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (FENCE_LINE.test(lines[i]!)) return lines.slice(i + 1).join('\n');
  }
  return text;
}

interface OpenMarker {
  marker: string;
  /** Where it was opened, in the scanned text. */
  at: number;
}

/** The inline markers still open at the end of `text`, in the order they were opened. */
function openInlineMarkers(text: string): OpenMarker[] {
  const stack: Array<OpenMarker & { marker: Marker }> = [];
  // Inside a code span opened by a run of N backticks (closed by a run of exactly N).
  let code: OpenMarker | undefined;
  const toggle = (marker: Marker, at: number) => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i]!.marker !== marker) i--;
    if (i === -1) stack.push({ marker, at });
    else stack.splice(i, 1);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      if (!code) code = { marker: '`'.repeat(run), at: i };
      else if (run === code.marker.length) code = undefined;
      i += run - 1;
      continue;
    }
    if (code) continue;
    if (c === '\\') {
      i++;
      continue;
    }
    const lineStart = i === 0 || text[i - 1] === '\n';
    const next = text[i + 1];
    if ((c === '*' || c === '_') && next === c) {
      // "***" opens bold and italic at once; handle the pair, the third char comes next.
      toggle(c === '*' ? '**' : '__', i);
      i++;
      continue;
    }
    if (c === '~' && next === '~') {
      toggle('~~', i);
      i++;
      continue;
    }
    if (c === '*') {
      if (lineStart && (next === ' ' || next === undefined)) continue; // list bullet
      if (isSpace(text[i - 1]) && next !== undefined && isSpace(next)) continue; // "a * b"
      toggle('*', i);
    } else if (c === '_') {
      if (isWord(text[i - 1]) && isWord(next)) continue; // snake_case
      toggle('_', i);
    }
  }
  return code ? [...stack, code] : stack;
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** "see [the docs](https://exa" → "see " until the link is complete. */
function holdBackOpenLink(text: string): string {
  const open = text.lastIndexOf('[');
  if (open === -1 || text.length - open > 500) return text;
  const tail = text.slice(open);
  if (/^\[[^\]\n]*$/.test(tail) || /^\[[^\]\n]*\]\([^)\s]*$/.test(tail)) return text.slice(0, open);
  return text;
}
