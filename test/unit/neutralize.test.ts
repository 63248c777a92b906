import { describe, expect, it } from 'vitest';
import { neutralizeSlackMarkup as n } from '../../src/markdown/neutralize.js';

describe('neutralizeSlackMarkup', () => {
  it('escapes broadcasts, group and person mentions, channel links and dates from Dify', () => {
    expect(n('Hey <!channel> and <!here|here>, <!everyone>!')).toBe('Hey &lt;!channel&gt; and &lt;!here|here&gt;, &lt;!everyone&gt;!');
    expect(n('ping <!subteam^S0123|@oncall> and <@U123ABC> in <#C999|general>')).toBe(
      'ping &lt;!subteam^S0123|@oncall&gt; and &lt;@U123ABC&gt; in &lt;#C999|general&gt;',
    );
    expect(n('<!date^1700000000^{date}|Nov 14>')).toBe('&lt;!date^1700000000^{date}|Nov 14&gt;');
  });

  it('leaves code, comparisons and generics alone', () => {
    const code = 'if (a < b && c > d) {}\n```ts\nconst m: Map<string, List<number>> = new Map();\n```\n<div class="x">';
    expect(n(code)).toBe(code);
  });

  it('turns Slack-style links into Markdown links and shows a disguised link’s real target', () => {
    expect(n('<https://example.com/docs|the docs>')).toBe('[the docs](https://example.com/docs)');
    expect(n('<https://example.com/docs>')).toBe('https://example.com/docs');
    expect(n('<https://evil.test/login|https://bank.example.com>')).toBe('[https://evil.test/login](https://evil.test/login)');
    expect(n('log in at [bank.example.com](https://evil.test/phish)')).toBe('log in at [https://evil.test/phish](https://evil.test/phish)');
    expect(n('[www.example.com](https://example.com/a) and [read more](https://evil.test)')).toBe(
      '[www.example.com](https://example.com/a) and [read more](https://evil.test)',
    );
    expect(n('[https://example.com/a](https://example.com/b)')).toBe('[https://example.com/a](https://example.com/b)');
  });
});
