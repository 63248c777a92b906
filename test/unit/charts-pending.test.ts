import { describe, expect, it } from 'vitest';
import { CHART_PENDING, chartsPending } from '../../src/markdown/charts.js';
import { healMarkdown } from '../../src/markdown/heal.js';

const answer = 'Sales:\n```echarts\n{"series":[{"type":"bar","data":[1,2]}]}\n```\nDone.';

describe('a chart while it streams', () => {
  it('an edited answer shows "Drawing a chart…" in place of an open echarts fence, never its JSON', () => {
    for (let i = answer.indexOf('```') + 3; i < answer.indexOf('\n```\n'); i++) {
      const shown = healMarkdown(answer.slice(0, i));
      expect(shown).toBe(`Sales:\n${CHART_PENDING}`);
    }
  });

  it('a native stream appends text that only grows, with the same line before and after the fence closes', () => {
    let sent = '';
    for (let i = 1; i <= answer.length; i++) {
      const live = chartsPending(answer.slice(0, i));
      expect(live.startsWith(sent), `at ${i}: ${JSON.stringify(sent)} → ${JSON.stringify(live)}`).toBe(true);
      expect(live).not.toContain('"series"');
      sent = live;
    }
    expect(sent).toBe(`Sales:\n${CHART_PENDING}\nDone.`);
    // Other code blocks stream as code.
    expect(chartsPending('```js\nlet a = 1;')).toBe('```js\nlet a = 1;');
  });
});
