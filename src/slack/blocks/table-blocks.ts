import type { KnownBlock } from '@slack/types';
import { findEcharts, readEcharts, seriesMarkdown, type SlackChart } from '../../markdown/charts.js';
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

/** Slack shows one or two charts a message (reported, unverified): one, to be safe. */
const MAX_CHARTS = 1;
/** A chart shown as a table stays well inside a message's Markdown (12,000 characters a message). */
const MAX_TABLE_TEXT = 6000;

function chartBlock(c: SlackChart): KnownBlock {
  const chart =
    c.type === 'pie'
      ? { type: 'pie', segments: c.segments }
      : {
          type: c.type,
          series: c.series.map((s) => ({ name: s.name, data: s.values.map((value, i) => ({ label: c.categories[i]!, value })) })),
          axis_config: { categories: c.categories, ...(c.xLabel ? { x_label: c.xLabel } : {}), ...(c.yLabel ? { y_label: c.yLabel } : {}) },
        };
  return { type: 'data_visualization', title: c.title, chart } as unknown as KnownBlock;
}

type Segment = { kind: 'markdown'; text: string } | { kind: 'block'; block: KnownBlock };

/** echarts blocks: the first that maps becomes a chart, the others a table of their data (code that is not chart data stays code). */
function withCharts(markdown: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  let charts = 0;
  for (const e of findEcharts(markdown)) {
    const read = readEcharts(e.json);
    if (!read) continue;
    segments.push({ kind: 'markdown', text: markdown.slice(at, e.start) });
    if (read.chart && charts < MAX_CHARTS) {
      segments.push({ kind: 'block', block: chartBlock(read.chart) });
      charts++;
    } else {
      const table = seriesMarkdown(read.table, read.why ?? 'one chart per message');
      // A table far longer than its JSON would not fit a message: the data stays as code then.
      segments.push({ kind: 'markdown', text: table.length <= MAX_TABLE_TEXT ? `${table}\n` : markdown.slice(e.start, e.end) });
    }
    at = e.end;
  }
  segments.push({ kind: 'markdown', text: markdown.slice(at) });
  // Neighbouring Markdown is one block.
  return segments.reduce<Segment[]>((out, s) => {
    const last = out.at(-1);
    if (s.kind === 'markdown' && last?.kind === 'markdown') last.text += s.text;
    else out.push(s.kind === 'markdown' ? { ...s } : s);
    return out;
  }, []);
}

/**
 * A page of an answer as blocks when it holds a chart or a GFM table: the first chart that maps
 * becomes Slack's chart, the first table that fits Slack's table block one (Slack allows one per
 * message), the text around them Markdown blocks, which render the other tables; undefined when
 * the page has neither.
 */
export function contentBlocks(markdown: string): KnownBlock[] | undefined {
  const segments = withCharts(markdown);
  let tableUsed = false;
  const blocks: KnownBlock[] = [];
  for (const s of segments) {
    if (s.kind === 'block') {
      blocks.push(s.block);
      continue;
    }
    const native = tableUsed ? undefined : findTables(s.text).find(fits);
    if (native) tableUsed = true;
    const parts = native ? [s.text.slice(0, native.start), s.text.slice(native.end)] : [s.text];
    const before = parts[0]!.trim();
    if (before) blocks.push({ type: 'markdown', text: before });
    if (native) {
      blocks.push(tableBlock(native));
      const after = parts[1]!.trim();
      if (after) blocks.push({ type: 'markdown', text: after });
    }
  }
  const special = blocks.some((b) => b.type !== 'markdown');
  if (special) return blocks;
  // Only Markdown: still blocks when it holds a table (markdown_text would show raw pipes) or a chart turned table.
  const text = segments.map((s) => (s.kind === 'markdown' ? s.text : '')).join('');
  return text !== markdown || findTables(text).length > 0 ? [{ type: 'markdown', text }] : undefined;
}
