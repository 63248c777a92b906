import type { KnownBlock } from '@slack/types';
import { findTables, type MarkdownTable } from '../../markdown/tables.js';

/** Slack's table block: ≤100 rows (the header is one), ≤20 columns (reference/block-kit/blocks/table-block). */
const MAX_ROWS = 100;
const MAX_COLUMNS = 20;
/** Longer cells stay in the Markdown (a cell's own limit is not documented). */
const MAX_CELL = 1000;

type RichElement = { type: 'text'; text: string; style?: { bold?: true; italic?: true; code?: true } } | { type: 'link'; url: string; text: string };
type Cell = { type: 'raw_text'; text: string } | { type: 'rich_text'; elements: [{ type: 'rich_text_section'; elements: RichElement[] }] };

const INLINE = /(\*\*[^*]+\*\*|__[^_]+__|`[^`]+`|\[[^\]]+\]\(https?:\/\/[^)\s]+\)|\*[^*\s][^*]*\*|_[^_\s][^_]*_)/;

/** A cell's inline Markdown (bold, italic, code, links) as rich text; plain text as raw_text. */
export function tableCell(markdown: string): Cell {
  const text = markdown.trim();
  if (!INLINE.test(text)) return { type: 'raw_text', text: text || ' ' };
  const elements: RichElement[] = [];
  for (const part of text.split(INLINE)) {
    if (!part) continue;
    const link = /^\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)$/.exec(part);
    if (link) elements.push({ type: 'link', text: link[1]!, url: link[2]! });
    else if (/^(\*\*|__).+\1$/.test(part)) elements.push({ type: 'text', text: part.slice(2, -2), style: { bold: true } });
    else if (/^`.+`$/.test(part)) elements.push({ type: 'text', text: part.slice(1, -1), style: { code: true } });
    else if (/^([*_]).+\1$/.test(part)) elements.push({ type: 'text', text: part.slice(1, -1), style: { italic: true } });
    else elements.push({ type: 'text', text: part });
  }
  return { type: 'rich_text', elements: [{ type: 'rich_text_section', elements }] };
}

function fits(t: MarkdownTable): boolean {
  return (
    t.rows.length > 0 &&
    t.rows.length + 1 <= MAX_ROWS &&
    t.header.length <= MAX_COLUMNS &&
    [t.header, ...t.rows].every((r) => r.every((c) => c.length <= MAX_CELL))
  );
}

function tableBlock(t: MarkdownTable): KnownBlock {
  return {
    type: 'table',
    column_settings: t.align.map((align) => ({ align, is_wrapped: true })),
    rows: [t.header, ...t.rows].map((r) => r.map(tableCell)),
  } as unknown as KnownBlock;
}

/**
 * A page of an answer as blocks when it holds a GFM table: the first table that fits Slack's
 * table block becomes one (Slack allows one per message), the text around it Markdown blocks,
 * which render the other tables; undefined when the page has no table.
 */
export function contentBlocks(markdown: string): KnownBlock[] | undefined {
  const tables = findTables(markdown);
  if (tables.length === 0) return undefined;
  const native = tables.find(fits);
  if (!native) return [{ type: 'markdown', text: markdown }];
  const before = markdown.slice(0, native.start).trim();
  const after = markdown.slice(native.end).trim();
  return [
    ...(before ? [{ type: 'markdown', text: before } as KnownBlock] : []),
    tableBlock(native),
    ...(after ? [{ type: 'markdown', text: after } as KnownBlock] : []),
  ];
}
