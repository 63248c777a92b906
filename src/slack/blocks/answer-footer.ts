import type { ContextBlock, KnownBlock } from '@slack/types';
import type { AnswerFooter, SourceRef } from '../../core/ports.js';

export const FOOTER_BLOCK = 'dify_footer';
/** A context element's text takes 3,000 characters; a line stays well inside. */
const LINE_LIMIT = 2_900;
const SHOWN_SOURCES = 10;

/** Slack mrkdwn escapes only these three. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A link's URL cannot hold what ends Slack's <url|text> syntax. */
const linkable = (url: string) => /^https?:\/\/[^\s<>|]+$/.test(url);

function sourceItem(s: SourceRef, i: number, showScores: boolean): string {
  const title = esc(s.title.replace(/\|/g, '¦'));
  const name = s.url && linkable(s.url) ? `<${s.url}|${title}>` : title;
  const dataset = s.dataset ? ` (${esc(s.dataset)})` : '';
  const score = showScores && s.score !== undefined ? ` ${Math.round(s.score * 100)}%` : '';
  return `${i + 1}. ${name}${dataset}${score}`;
}

/** "📚 1. <url|Doc> (Dataset) · 2. Other 87%": numbered, linked where Dify gives a link, as many as fit. */
export function sourcesMrkdwn(sources: SourceRef[], showScores: boolean): string {
  const items: string[] = [];
  let length = 0;
  for (const [i, s] of sources.slice(0, SHOWN_SOURCES).entries()) {
    const item = sourceItem(s, i, showScores);
    if (length + item.length > LINE_LIMIT - 40) break;
    items.push(item);
    length += item.length + 3;
  }
  const more = sources.length - items.length;
  return `📚 *Sources:* ${items.join(' · ')}${more > 0 ? ` · and ${more} more` : ''}`;
}

const line = (id: string, text: string): ContextBlock => ({
  type: 'context',
  block_id: `${FOOTER_BLOCK}_${id}`,
  elements: [{ type: 'mrkdwn', text: text.length > LINE_LIMIT ? `${text.slice(0, LINE_LIMIT - 1)}…` : text }],
});

/** The small print under a final answer: one context line each for its sources, the tools it used, the app's disclaimer. */
export function footerBlocks(footer: AnswerFooter | undefined): KnownBlock[] {
  if (!footer) return [];
  const sources = footer.sources ?? [];
  const tools = footer.toolsUsed ?? [];
  const blocks: KnownBlock[] = [];
  if (sources.length > 0) blocks.push(line('sources', sourcesMrkdwn(sources, footer.showScores === true)));
  if (tools.length > 0) blocks.push(line('tools', `🛠 Used: ${esc(tools.join(', '))}`));
  if (footer.disclaimer) blocks.push(line('disclaimer', esc(footer.disclaimer)));
  return blocks;
}

/** The same small print as plain lines (where only text goes: a notification's fallback, a response_url). */
export function footerText(footer: AnswerFooter | undefined): string {
  if (!footer) return '';
  const sources = footer.sources ?? [];
  const tools = footer.toolsUsed ?? [];
  const lines = [
    ...(sources.length > 0 ? [`Sources: ${sources.map((s, i) => `${i + 1}. ${s.title}`).join(' · ')}`] : []),
    ...(tools.length > 0 ? [`Used: ${tools.join(', ')}`] : []),
    ...(footer.disclaimer ? [footer.disclaimer] : []),
  ];
  return lines.map((l) => `_${l}_`).join('\n');
}
