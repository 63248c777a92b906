import { describe, expect, it } from 'vitest';
import { splitMarkdown } from '../../src/markdown/split.js';
import { findTables } from '../../src/markdown/tables.js';

describe('splitMarkdown', () => {
  it('returns one page when the text fits', () => {
    expect(splitMarkdown('short', 100)).toEqual(['short']);
  });

  it('cuts at paragraph breaks, and the pages concatenate to the text', () => {
    const paras = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ` + 'word '.repeat(15).trim());
    const text = paras.join('\n\n');
    const pages = splitMarkdown(text, 300);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.join('')).toBe(text);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(300);
    for (const p of pages.slice(0, -1)) expect(p.endsWith('\n\n')).toBe(true);
  });

  it('never cuts inside a word when there is a space', () => {
    const text = 'alpha beta gamma delta epsilon '.repeat(20);
    const pages = splitMarkdown(text, 100);
    expect(pages.join('')).toBe(text);
    for (const p of pages.slice(0, -1)) expect(p.endsWith(' ')).toBe(true);
  });

  it('hard-cuts a single word longer than a page, without splitting a surrogate pair', () => {
    const text = '😀'.repeat(100);
    const pages = splitMarkdown(text, 65);
    expect(pages.join('')).toBe(text);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(65);
    for (const p of pages) expect(() => encodeURIComponent(p)).not.toThrow();
  });

  it('closes a code block at a page end and reopens it with its language', () => {
    const code = Array.from({ length: 80 }, (_, i) => `line ${i};`).join('\n');
    const text = `Intro\n\n\`\`\`python\n${code}\n\`\`\`\n\nOutro`;
    const pages = splitMarkdown(text, 200);
    expect(pages.length).toBeGreaterThan(3);
    for (const p of pages) {
      expect(p.length).toBeLessThanOrEqual(200);
      expect((p.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    for (const p of pages.slice(1, -1)) expect(p.startsWith('```python\n')).toBe(true);
    // Without the fence lines added at the cuts, the pages hold every line once, in order.
    const lines = (s: string) => s.split('\n').filter((l) => l !== '' && !l.startsWith('```'));
    expect(pages.flatMap(lines)).toEqual(lines(text));
  });

  it('keeps early pages stable as the text grows', () => {
    const full = Array.from({ length: 50 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const final = splitMarkdown(full, 200);
    for (let n = 250; n < full.length; n += 37) {
      const partial = splitMarkdown(full.slice(0, n), 200);
      for (let i = 0; i < partial.length - 1; i++) expect(partial[i]).toBe(final[i]);
    }
  });

  it('starts a page that continues a table with its header again, so every page shows a table and no row is lost', () => {
    const rows = Array.from({ length: 200 }, (_, i) => `| ${i} | item ${i} | ${(i * 1.5).toFixed(1)} |`);
    const text = `Intro.\n\n| # | Name | Price |\n|---|:---|---:|\n${rows.join('\n')}\n\nAfter the table.`;
    const pages = splitMarkdown(text, 1000);
    expect(pages.length).toBeGreaterThan(3);
    const seen: string[][] = [];
    for (const [i, p] of pages.entries()) {
      expect(p.length).toBeLessThanOrEqual(1000);
      const tables = findTables(p);
      if (i > 0 && i < pages.length - 1) expect(p.startsWith('| # | Name | Price |\n|---|:---|---:|\n')).toBe(true);
      for (const t of tables) {
        expect(t.header).toEqual(['#', 'Name', 'Price']);
        expect(t.align).toEqual(['left', 'left', 'right']);
        seen.push(...t.rows);
      }
    }
    expect(seen.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i));
    expect(pages.at(-1)).toContain('After the table.');
  });
});
