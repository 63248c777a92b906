import { fenceStateAt } from './fences.js';

/** A GFM table: its header, alignments and rows (cells as written, Markdown included), and where it sits. */
export interface MarkdownTable {
  header: string[];
  align: Array<'left' | 'center' | 'right'>;
  rows: string[][];
  /** Offsets of the table's lines in the text (end exclusive, the last newline included). */
  start: number;
  end: number;
}

const ROW = /^ {0,3}\|.*\|\s*$|^ {0,3}[^|\s].*\|.*$/;
const DELIMITER = /^ {0,3}\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

/** "| a | b \| c |" → ["a", "b | c"] (escaped pipes stay in their cell). */
export function cellsOf(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (s[i] === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += s[i];
  }
  cells.push(cell.trim());
  return cells;
}

function alignOf(cell: string): 'left' | 'center' | 'right' {
  const c = cell.trim();
  if (c.startsWith(':') && c.endsWith(':')) return 'center';
  if (c.endsWith(':')) return 'right';
  return 'left';
}

/** The GFM tables of a text, outside code fences, each with a header, a delimiter row and rows of its width. */
export function findTables(text: string): MarkdownTable[] {
  const lines = text.split('\n');
  const tables: MarkdownTable[] = [];
  let offset = 0;
  const starts: number[] = [];
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i]!;
    const delimiter = lines[i + 1]!;
    if (!ROW.test(head) || !DELIMITER.test(delimiter) || !delimiter.includes('-')) continue;
    // A table inside a fenced code block is code.
    if (fenceStateAt(text.slice(0, starts[i])).marker) continue;
    const header = cellsOf(head);
    const delims = cellsOf(delimiter);
    if (header.length !== delims.length || header.length === 0) continue;
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim() !== '' && lines[j]!.includes('|'); j++) {
      const cells = cellsOf(lines[j]!);
      // GFM pads short rows and drops extra cells.
      rows.push(header.map((_, k) => cells[k] ?? ''));
    }
    const end = j < lines.length ? starts[j]! : text.length;
    tables.push({ header, align: delims.map(alignOf), rows, start: starts[i]!, end });
    i = j - 1;
  }
  return tables;
}

/**
 * Holds back a table still being written at the end of a partial answer: it appears once its
 * header, delimiter and first row are complete, then grows row by row (a half-typed row waits).
 */
export function holdBackOpenTable(partial: string): string {
  const cut = partial.lastIndexOf('\n');
  const pending = partial.slice(cut + 1);
  // A line being typed that has a pipe may be a row: it waits for its end.
  const text = pending.includes('|') ? partial.slice(0, cut + 1) : partial;
  if (text === partial && pending !== '') return partial;
  const lines = text.replace(/\n+$/, '').split('\n');
  let k = lines.length;
  while (k > 0 && lines[k - 1]!.includes('|')) k--;
  const run = lines.slice(k);
  if (run.length === 0) return text === partial ? text : text.trimEnd();
  const complete = findTables(`${run.join('\n')}\n`).some((t) => t.start === 0 && t.rows.length > 0);
  return complete ? text : lines.slice(0, k).join('\n').trimEnd();
}
