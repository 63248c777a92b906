/**
 * ```echarts blocks (Dify's chart plugin writes an ECharts option as JSON) → Slack's
 * data_visualization chart where the option maps onto it (line, bar, area, pie), else a table of
 * its series; a block that is not chart data stays code.
 */

import { fenceStateAt, type FenceState } from './fences.js';

export interface EchartsBlock {
  /** Offsets of the whole fenced block in the text (end exclusive). */
  start: number;
  end: number;
  json: string;
}

/** Slack's chart: ≤6 series or segments, labels ≤20, a title ≤50 (slack-platform.md §14.3). */
const MAX_SERIES = 6;
const MAX_LABEL = 20;
const MAX_TITLE = 50;
/** More points than this is not a chart a message can show; it becomes a table. */
const MAX_POINTS = 50;

export type SlackChart =
  | { type: 'pie'; title: string; segments: Array<{ label: string; value: number }> }
  | {
      type: 'line' | 'bar' | 'area';
      title: string;
      categories: string[];
      series: Array<{ name: string; values: number[] }>;
      xLabel?: string;
      yLabel?: string;
    };

const FENCE = /^ {0,3}```\s*echarts\s*\n([\s\S]*?)\n {0,3}```[ \t]*(?:\n|$)/gm;

export function findEcharts(text: string): EchartsBlock[] {
  const out: EchartsBlock[] = [];
  for (const m of text.matchAll(FENCE)) out.push({ start: m.index, end: m.index + m[0].length, json: m[1]! });
  return out;
}

/** Shown while a chart's JSON streams in: it becomes a chart once its fence closes, never a line of raw JSON. */
export const CHART_PENDING = '📊 _Drawing a chart…_';

/**
 * Where an ```echarts block still open at the end of `text` starts (or a fence line still being
 * typed that may become one: "```ech"), so a growing answer can show CHART_PENDING in its place.
 */
export function openChartAt(text: string, fence: FenceState = fenceStateAt(text)): number | undefined {
  if (fence.openLine !== undefined && fence.openAt !== undefined) {
    const info = fence.openLine.replace(/^(`{3,}|~{3,})/, '').trim();
    const lineDone = text.indexOf('\n', fence.openAt) !== -1;
    return info === 'echarts' || (!lineDone && 'echarts'.startsWith(info)) ? fence.openAt : undefined;
  }
  return undefined;
}

/**
 * An answer as a native stream may append it: every ```echarts block (closed or still open) as
 * CHART_PENDING; the final edit draws the charts. Appended text cannot be taken back, so a
 * block shows the same line before and after its fence closes.
 */
export function chartsPending(text: string): string {
  const open = openChartAt(text);
  // A last line of one or two backticks may yet open a chart: it waits for the third.
  const typing = open === undefined ? /(?:^|\n) {0,3}(?:`{1,2}|~{1,2})$/.exec(text) : null;
  const settled = open !== undefined ? text.slice(0, open) : typing ? text.slice(0, typing.index + (typing[0].startsWith('\n') ? 1 : 0)) : text;
  let out = '';
  let at = 0;
  for (const b of findEcharts(settled)) {
    out += `${settled.slice(at, b.start)}${CHART_PENDING}\n`;
    at = b.end;
  }
  out += settled.slice(at);
  return open === undefined ? out : `${out}${CHART_PENDING}`;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const num = (v: unknown): number | undefined => {
  const x = Array.isArray(v) ? v.at(-1) : obj(v) ? obj(v)!['value'] : v;
  return typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : undefined;
};
const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The option's series and categories as rows (for a chart that does not map, or a table fallback). */
export interface SeriesTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** Reads an ECharts option: a Slack chart when it maps, else its data as a table; undefined when it is not chart data. */
export function readEcharts(json: string): { chart?: SlackChart; table: SeriesTable; why?: string } | undefined {
  let option: Json | undefined;
  try {
    option = obj(JSON.parse(json));
  } catch {
    return undefined;
  }
  if (!option) return undefined;
  const series = (Array.isArray(option['series']) ? option['series'] : [option['series']]).map(obj).filter((s): s is Json => s !== undefined);
  if (series.length === 0) return undefined;
  const title = String(obj(first(option['title']))?.['text'] ?? '') || 'Chart';
  const types = new Set(series.map((s) => String(s['type'] ?? 'line')));
  if (types.size === 1 && types.has('pie')) {
    const data = (Array.isArray(series[0]!['data']) ? (series[0]!['data'] as unknown[]) : []).map((d) => ({
      label: String(obj(d)?.['name'] ?? ''),
      value: num(d),
    }));
    if (data.length === 0 || data.some((d) => d.value === undefined)) return undefined;
    const table = { title, columns: ['Label', 'Value'], rows: data.map((d) => [d.label, String(d.value)]) };
    if (data.length > MAX_SERIES) return { table, why: `more than ${MAX_SERIES} slices` };
    if (data.some((d) => d.value! <= 0)) return { table, why: 'a slice is not positive' };
    return {
      table,
      chart: { type: 'pie', title: short(title, MAX_TITLE), segments: data.map((d) => ({ label: short(d.label || '—', MAX_LABEL), value: d.value! })) },
    };
  }
  const xAxis = obj(first(option['xAxis']));
  const categories = Array.isArray(xAxis?.['data']) ? (xAxis['data'] as unknown[]).map((c) => String(obj(c)?.['value'] ?? c)) : [];
  const values = series.map((s) => (Array.isArray(s['data']) ? (s['data'] as unknown[]).map(num) : []));
  if (categories.length === 0 || values.some((v) => v.length === 0 || v.some((x) => x === undefined))) return undefined;
  const names = series.map((s, i) => String(s['name'] ?? '') || `Series ${i + 1}`);
  const table = {
    title,
    columns: [String(xAxis?.['name'] ?? '') || 'Category', ...names],
    rows: categories.map((c, i) => [c, ...values.map((v) => (v[i] === undefined ? '' : String(v[i])))]),
  };
  const kinds = [...types];
  const kind =
    kinds.length === 1 && (kinds[0] === 'line' || kinds[0] === 'bar')
      ? kinds[0] === 'line' && series.every((s) => s['areaStyle'] !== undefined)
        ? 'area'
        : kinds[0]
      : undefined;
  if (!kind) return { table, why: `a ${kinds.join(' and ')} chart` };
  if (series.length > MAX_SERIES) return { table, why: `more than ${MAX_SERIES} series` };
  if (categories.length > MAX_POINTS) return { table, why: `more than ${MAX_POINTS} points` };
  const yAxis = obj(first(option['yAxis']));
  return {
    table,
    chart: {
      type: kind,
      title: short(title, MAX_TITLE),
      categories: categories.map((c) => short(c, MAX_LABEL)),
      series: names.map((name, i) => ({ name: short(name, MAX_LABEL), values: values[i]!.map((v) => v!) })),
      ...(typeof xAxis?.['name'] === 'string' && xAxis['name'] ? { xLabel: short(xAxis['name'], MAX_TITLE) } : {}),
      ...(typeof yAxis?.['name'] === 'string' && yAxis['name'] ? { yLabel: short(yAxis['name'], MAX_TITLE) } : {}),
    },
  };
}

/** A series table as GFM Markdown (cells' pipes escaped), under a short note saying why it is not a chart. */
export function seriesMarkdown(t: SeriesTable, why: string): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${t.columns.map(cell).join(' | ')} |`, `|${' --- |'.repeat(t.columns.length)}`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
  return `_${cell(t.title)} (shown as a table: ${why})_\n\n${lines.join('\n')}`;
}
