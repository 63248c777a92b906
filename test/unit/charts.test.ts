import { describe, expect, it } from 'vitest';
import { findEcharts, readEcharts } from '../../src/markdown/charts.js';
import { contentBlocks } from '../../src/slack/blocks/table-blocks.js';

const line = {
  title: { text: 'Tickets per week' },
  xAxis: { type: 'category', name: 'Week', data: ['W1', 'W2', 'W3'] },
  yAxis: { type: 'value', name: 'Tickets' },
  series: [
    { name: 'Opened', type: 'line', data: [12, 9, 14] },
    { name: 'Closed', type: 'line', data: [10, 11, '13'] },
  ],
};
const fence = (o: unknown) => `\`\`\`echarts\n${JSON.stringify(o)}\n\`\`\`\n`;

describe('echarts blocks', () => {
  it('maps line, area, bar and pie options onto Slack charts', () => {
    expect(readEcharts(JSON.stringify(line))!.chart).toEqual({
      type: 'line',
      title: 'Tickets per week',
      categories: ['W1', 'W2', 'W3'],
      series: [
        { name: 'Opened', values: [12, 9, 14] },
        { name: 'Closed', values: [10, 11, 13] },
      ],
      xLabel: 'Week',
      yLabel: 'Tickets',
    });
    const area = { ...line, series: line.series.map((s) => ({ ...s, areaStyle: {} })) };
    expect(readEcharts(JSON.stringify(area))!.chart!.type).toBe('area');
    expect(readEcharts(JSON.stringify({ ...line, series: [{ type: 'bar', data: [1, 2, 3] }] }))!.chart).toMatchObject({
      type: 'bar',
      series: [{ name: 'Series 1' }],
    });
    const pie = {
      title: [{ text: 'Where questions come from' }],
      series: [
        {
          type: 'pie',
          data: [
            { name: 'DMs', value: 60 },
            { name: 'Channels', value: 40 },
          ],
        },
      ],
    };
    expect(readEcharts(JSON.stringify(pie))!.chart).toEqual({
      type: 'pie',
      title: 'Where questions come from',
      segments: [
        { label: 'DMs', value: 60 },
        { label: 'Channels', value: 40 },
      ],
    });
  });

  it('an option that does not map becomes a table of its data; one that is not chart data stays code', () => {
    const scatter = readEcharts(JSON.stringify({ ...line, series: [{ type: 'scatter', name: 'S', data: [1, 2, 3] }] }))!;
    expect(scatter.chart).toBeUndefined();
    expect(scatter.why).toBe('a scatter chart');
    expect(scatter.table).toEqual({
      title: 'Tickets per week',
      columns: ['Week', 'S'],
      rows: [
        ['W1', '1'],
        ['W2', '2'],
        ['W3', '3'],
      ],
    });
    const seven = readEcharts(JSON.stringify({ ...line, series: Array.from({ length: 7 }, (_, i) => ({ type: 'line', name: `s${i}`, data: [1, 2, 3] })) }))!;
    expect(seven.why).toBe('more than 6 series');
    expect(readEcharts('{"tooltip": {}}')).toBeUndefined();
    expect(readEcharts('not json')).toBeUndefined();
  });

  it('in a message: the first chart a block, the next one a (native) table with a note, other code untouched', () => {
    const text = `Here:\n\n${fence(line)}\nAnd a pie:\n\n${fence({ series: [{ type: 'pie', data: [{ name: 'a', value: 1 }] }] })}\n\`\`\`json\n{"x": 1}\n\`\`\`\n`;
    expect(findEcharts(text)).toHaveLength(2);
    const blocks = contentBlocks(text)!;
    expect(blocks.map((b) => b.type)).toEqual(['markdown', 'data_visualization', 'markdown', 'table', 'markdown']);
    const chart = blocks[1] as unknown as { title: string; chart: { type: string; series: Array<{ data: unknown[] }>; axis_config: unknown } };
    expect(chart.title).toBe('Tickets per week');
    expect(chart.chart.series[0]!.data).toEqual([
      { label: 'W1', value: 12 },
      { label: 'W2', value: 9 },
      { label: 'W3', value: 14 },
    ]);
    expect(chart.chart.axis_config).toEqual({ categories: ['W1', 'W2', 'W3'], x_label: 'Week', y_label: 'Tickets' });
    expect((blocks[2] as unknown as { text: string }).text).toContain('_Chart (shown as a table: one chart per message)_');
    expect((blocks[3] as unknown as { rows: Array<Array<{ text: string }>> }).rows[1]!.map((c) => c.text)).toEqual(['a', '1']);
    expect((blocks[4] as unknown as { text: string }).text).toBe('```json\n{"x": 1}\n```');
  });
});
