import { fenceStateAt } from './fences.js';

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
  if (fence.marker) {
    return `${partial}${partial.endsWith('\n') ? '' : '\n'}${fence.marker}`;
  }
  const text = options.keepOpenLink ? partial : holdBackOpenLink(partial);
  const closers = openInlineMarkers(lastBlockOutsideFences(text));
  if (closers === '') return text;
  return text.trimEnd() + closers;
}

/** Inline markers cannot span a fenced block, so only the text after the last fence matters. */
function lastBlockOutsideFences(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (FENCE_LINE.test(lines[i]!)) return lines.slice(i + 1).join('\n');
  }
  return text;
}

function openInlineMarkers(text: string): string {
  const stack: Marker[] = [];
  // Inside a code span opened by a run of N backticks (closed by a run of exactly N).
  let codeRun = 0;
  const toggle = (m: Marker) => {
    const at = stack.lastIndexOf(m);
    if (at === -1) stack.push(m);
    else stack.splice(at, 1);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      i += run - 1;
      if (codeRun === 0) codeRun = run;
      else if (run === codeRun) codeRun = 0;
      continue;
    }
    if (codeRun > 0) continue;
    if (c === '\\') {
      i++;
      continue;
    }
    const lineStart = i === 0 || text[i - 1] === '\n';
    const next = text[i + 1];
    if ((c === '*' || c === '_') && next === c) {
      // "***" opens bold and italic at once; handle the pair, the third char comes next.
      toggle(c === '*' ? '**' : '__');
      i++;
      continue;
    }
    if (c === '~' && next === '~') {
      toggle('~~');
      i++;
      continue;
    }
    if (c === '*') {
      if (lineStart && (next === ' ' || next === undefined)) continue; // list bullet
      if (isSpace(text[i - 1]) && isSpace(next)) continue; // "a * b"
      toggle('*');
    } else if (c === '_') {
      if (isWord(text[i - 1]) && isWord(next)) continue; // snake_case
      toggle('_');
    }
  }
  return '`'.repeat(codeRun) + stack.reverse().join('');
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
