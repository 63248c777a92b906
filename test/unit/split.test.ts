import { describe, expect, it } from 'vitest';
import { splitMarkdown } from '../../src/markdown/split.js';

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
});
