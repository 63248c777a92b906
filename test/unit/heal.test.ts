import { describe, expect, it } from 'vitest';
import { healMarkdown } from '../../src/markdown/heal.js';

describe('healMarkdown', () => {
  it.each([
    ['plain text', 'plain text'],
    ['some **bold', 'some **bold**'],
    ['some **bold** and *it', 'some **bold** and *it*'],
    ['a _quiet', 'a _quiet_'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['~~gone', '~~gone~~'],
    ['`code', '`code`'],
    ['``a ` b', '``a ` b``'],
    ['**bold `co*de', '**bold `co*de`**'],
    ['***both', '***both***'],
    ['* item one\n* item', '* item one\n* item'],
    ['2 * 3 = 6', '2 * 3 = 6'],
    ['escaped \\*star', 'escaped \\*star'],
    ['**bold ', '**bold**'],
    ['A **', 'A'],
    ['see `', 'see'],
    ['**bold and *', '**bold and**'],
    ['~~old~~ and **', '~~old~~ and'],
  ])('%j → %j', (input, expected) => {
    expect(healMarkdown(input)).toBe(expected);
  });

  it('closes an open code fence, with its own marker', () => {
    expect(healMarkdown('Look:\n```ts\nconst a = 1;')).toBe('Look:\n```ts\nconst a = 1;\n```');
    expect(healMarkdown('Look:\n````\ncode\n')).toBe('Look:\n````\ncode\n````');
    expect(healMarkdown('~~~\nx')).toBe('~~~\nx\n~~~');
  });

  it('ignores markers inside closed fences', () => {
    expect(healMarkdown('```\n**not bold\n```\nafter')).toBe('```\n**not bold\n```\nafter');
  });

  it('holds back a link until it is complete, unless asked to keep it', () => {
    expect(healMarkdown('see [the docs](https://exa')).toBe('see ');
    expect(healMarkdown('see [the do')).toBe('see ');
    expect(healMarkdown('see [the docs](https://example.com) now')).toBe('see [the docs](https://example.com) now');
    expect(healMarkdown('see [the do', { keepOpenLink: true })).toBe('see [the do');
  });

  it('keeps CJK text and closes emphasis around it', () => {
    expect(healMarkdown('これは**重要')).toBe('これは**重要**');
  });
});
