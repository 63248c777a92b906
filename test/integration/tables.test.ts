import { afterEach, describe, expect, it } from 'vitest';
import { tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  // close() fails the test if the fake Slack refused anything the bridge sent.
  await t?.close();
  t = undefined;
});

const answerWith = (b: TestBridge, answer: string, size = 9, everyMs = 15) => {
  b.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(answer, size).map((d) => events.message(d)), events.messageEnd()], everyMs);
};

describe('charts in answers', () => {
  it('an echarts line chart ends as Slack’s data_visualization block, the text around it kept', async () => {
    t = await startTestBridge();
    const option = { title: { text: 'Tickets per week' }, xAxis: { data: ['W1', 'W2'] }, series: [{ name: 'Opened', type: 'line', data: [12, 9] }] };
    answerWith(t, `Here is the trend:\n\n\`\`\`echarts\n${JSON.stringify(option)}\n\`\`\`\n\nFewer tickets.`, 12, 10);
    const { ts } = await t.mention('trend?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    const chart = (reply!.blocks ?? []).find((b) => b['type'] === 'data_visualization');
    expect(chart).toMatchObject({
      title: 'Tickets per week',
      chart: {
        type: 'line',
        series: [
          {
            name: 'Opened',
            data: [
              { label: 'W1', value: 12 },
              { label: 'W2', value: 9 },
            ],
          },
        ],
      },
    });
    expect(reply!.text).toContain('Here is the trend:');
    expect(reply!.text).toContain('Fewer tickets.');
    expect(reply!.text).not.toContain('echarts');
  });

  it('while a chart streams, its message says it is drawing one, never a line of raw JSON, and the chart then replaces that line', async () => {
    t = await startTestBridge();
    const option = { xAxis: { data: ['Mon', 'Tue', 'Wed'] }, series: [{ name: 'Tickets', type: 'bar', data: [5, 8, 3] }] };
    // Slow enough that the bridge edits the message while the fence is open.
    answerWith(t, `Tickets this week:\n\n\`\`\`echarts\n${JSON.stringify(option, null, 1)}\n\`\`\`\n\nMostly Tuesday.`, 6, 40);
    const { ts } = await t.mention('tickets?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    const during = reply!.history.slice(0, -1);
    expect(during.some((text) => text.includes('📊 _Drawing a chart…_'))).toBe(true);
    for (const text of during) expect(text).not.toMatch(/"series"|"xAxis"|echarts/);
    expect(reply!.text).not.toContain('Drawing a chart');
    expect((reply!.blocks ?? []).some((b) => b['type'] === 'data_visualization')).toBe(true);
  });

  it('a chart of 10,000 points does not become a broken post: every post valid, all its data there', async () => {
    t = await startTestBridge();
    const option = {
      xAxis: { data: Array.from({ length: 10_000 }, (_, i) => `p${i}`) },
      series: [{ type: 'line', data: Array.from({ length: 10_000 }, (_, i) => i) }],
    };
    answerWith(t, `\`\`\`echarts\n${JSON.stringify(option)}\n\`\`\``, 2000, 1);
    const { ts } = await t.mention('big chart');
    await settled(t);
    const shown = t.slack
      .replies('C1', ts)
      .map((m) => m.text)
      .join('\n');
    // Past the page cap, the posts say so and the whole answer is attached: all its data is there.
    const whole = [...t.slack.files.values()].find((f) => f.filename === 'answer.md')?.bytes.toString('utf8') ?? '';
    expect(t.slack.replies('C1', ts).length).toBeLessThanOrEqual(5);
    for (const needle of ['"p0"', '"p9999"', '9999]']) expect(shown + whole).toContain(needle);
    expect(whole || shown).toContain('"p9999"');
    expect(t.slack.refusals).toEqual([]);
  });
});

describe('tables in answers', () => {
  it('a streamed table never shows half a row, and ends as Slack’s native table block', async () => {
    t = await startTestBridge();
    const answer = 'Revenue by region:\n\n| Region | Revenue |\n|:--|--:|\n| EMEA | 1,200 |\n| APAC | **900** |\n| AMER | 2,100 |\n\nAMER leads.';
    answerWith(t, answer, 4, 25);
    const { ts } = await t.mention('revenue?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.history.length).toBeGreaterThan(3);
    for (const state of reply!.history) {
      const rows = state.split('\n').filter((l) => l.startsWith('|'));
      // Rows appear whole (header, delimiter and a first row together), never half typed.
      if (rows.length) expect(rows.length, state).toBeGreaterThanOrEqual(3);
      for (const row of rows) expect(row, state).toMatch(/\|$/);
    }
    const native = (reply!.blocks ?? []).find((b) => b['type'] === 'table');
    expect(native).toBeDefined();
    expect((native!['rows'] as unknown[]).length).toBe(4);
    expect(reply!.text).toContain('| AMER | 2,100 |');
    expect(reply!.text).toContain('AMER leads.');
  });

  it('stays inside Slack’s limits at their edges, with all content there: 100 rows, 30 columns, a 5,000-character cell, 60 tables', async () => {
    t = await startTestBridge();
    const hundred = `| n | square |\n|---|---|\n${Array.from({ length: 100 }, (_, i) => `| ${i} | ${i * i} |`).join('\n')}`;
    const wide = `| ${Array.from({ length: 30 }, (_, i) => `c${i}`).join(' | ')} |\n|${'---|'.repeat(30)}\n| ${Array.from({ length: 30 }, (_, i) => `v${i}`).join(' | ')} |`;
    const cell = `| note |\n|---|\n| ${'z'.repeat(5000)} |`;
    const many = Array.from({ length: 60 }, (_, i) => `Table ${i}:\n\n| k | v |\n|---|---|\n| key${i} | value${i} |`).join('\n\n');
    for (const [i, answer] of [hundred, wide, cell, many].entries()) {
      answerWith(t, answer, 400, 1);
      const { ts } = await t.mention(`edge ${i}`);
      await settled(t);
      const shown = t.slack
        .replies('C1', ts)
        .map((m) => m.text)
        .join('\n');
      for (const needle of i === 0
        ? ['| 0 | 0 |', '| 99 | 9801 |']
        : i === 1
          ? ['c29', 'v29']
          : i === 2
            ? ['z'.repeat(5000)]
            : ['key0', 'value59', 'Table 59:']) {
        expect(shown, `answer ${i}`).toContain(needle);
      }
      expect(t.slack.refusals).toEqual([]);
    }
  });
});
