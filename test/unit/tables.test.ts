import { describe, expect, it } from 'vitest';
import { cellsOf, findTables, holdBackOpenTable } from '../../src/markdown/tables.js';
import { healMarkdown } from '../../src/markdown/heal.js';
import { contentBlocks, tableCell } from '../../src/slack/blocks/table-blocks.js';

const table = '| Region | Revenue |\n|:--|--:|\n| EMEA | 1,200 |\n| APAC | **900** |\n';

describe('GFM tables', () => {
  it('finds a table with its alignments and rows, not one inside a code fence', () => {
    const [t] = findTables(`Intro\n\n${table}\nAfter.`);
    expect(t).toMatchObject({
      header: ['Region', 'Revenue'],
      align: ['left', 'right'],
      rows: [
        ['EMEA', '1,200'],
        ['APAC', '**900**'],
      ],
    });
    expect(findTables('```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n')).toEqual([]);
    expect(cellsOf('| a \\| b | c |')).toEqual(['a | b', 'c']);
    // Short rows are padded, long ones cut to the header's width (as GFM does).
    expect(findTables('| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |\n')[0]!.rows).toEqual([
      ['1', ''],
      ['1', '2'],
    ]);
  });

  it('while streaming, shows a table once its header and first row are complete, then row by row', () => {
    expect(holdBackOpenTable('Intro\n\n| Region | Reve')).toBe('Intro');
    expect(holdBackOpenTable('Intro\n\n| Region | Revenue |\n')).toBe('Intro');
    expect(holdBackOpenTable('Intro\n\n| Region | Revenue |\n|:--|--:|\n')).toBe('Intro');
    expect(holdBackOpenTable('Intro\n\n| Region | Revenue |\n|:--|--:|\n| EMEA | 1,2')).toBe('Intro');
    expect(holdBackOpenTable('Intro\n\n| Region | Revenue |\n|:--|--:|\n| EMEA | 1,200 |\n| APAC |')).toBe(
      'Intro\n\n| Region | Revenue |\n|:--|--:|\n| EMEA | 1,200 |\n',
    );
    expect(holdBackOpenTable(`${table}\nAnd then`)).toBe(`${table}\nAnd then`);
    expect(healMarkdown('Intro\n\n| Region | Revenue |\n|:--|--:|\n| EMEA | **1,2')).toBe('Intro');
    // A final text keeps everything.
    expect(healMarkdown('| a |', { keepOpenLink: true })).toBe('| a |');
  });

  it('becomes a native table block (inline formatting as rich text), the text around it Markdown', () => {
    const blocks = contentBlocks(`Intro\n\n${table}\nAfter.`)!;
    expect(blocks.map((b) => b.type)).toEqual(['markdown', 'table', 'markdown']);
    const native = blocks[1] as unknown as { rows: unknown[][]; column_settings: unknown[] };
    expect(native.column_settings).toEqual([
      { align: 'left', is_wrapped: true },
      { align: 'right', is_wrapped: true },
    ]);
    expect(native.rows[0]).toEqual([
      { type: 'raw_text', text: 'Region' },
      { type: 'raw_text', text: 'Revenue' },
    ]);
    expect(native.rows[2]![1]).toEqual({
      type: 'rich_text',
      elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: '900', style: { bold: true } }] }],
    });
    expect(tableCell('see [docs](https://example.com) and `x`')).toEqual({
      type: 'rich_text',
      elements: [
        {
          type: 'rich_text_section',
          elements: [
            { type: 'text', text: 'see ' },
            { type: 'link', text: 'docs', url: 'https://example.com' },
            { type: 'text', text: ' and ' },
            { type: 'text', text: 'x', style: { code: true } },
          ],
        },
      ],
    });
    expect(tableCell('')).toEqual({ type: 'raw_text', text: ' ' });
    expect(contentBlocks('No table here.')).toBeUndefined();
  });

  it('past the table block’s limits stays a Markdown table (Slack renders those in markdown blocks)', () => {
    const wide = `| ${Array.from({ length: 30 }, (_, i) => `c${i}`).join(' | ')} |\n|${'---|'.repeat(30)}\n| ${Array.from({ length: 30 }, (_, i) => `v${i}`).join(' | ')} |\n`;
    expect(contentBlocks(wide)!.map((b) => b.type)).toEqual(['markdown']);
    const long = `| a | b |\n|---|---|\n${Array.from({ length: 100 }, (_, i) => `| ${i} | x |`).join('\n')}\n`;
    expect(contentBlocks(long)!.map((b) => b.type)).toEqual(['markdown']);
    const big = `| a |\n|---|\n| ${'y'.repeat(5000)} |\n`;
    expect(contentBlocks(big)!.map((b) => b.type)).toEqual(['markdown']);
    // Two tables: the first native, the second in the Markdown after it.
    expect(contentBlocks(`${table}\nand\n\n${table}`)!.map((b) => b.type)).toEqual(['table', 'markdown']);
  });
});
