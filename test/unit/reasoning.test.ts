import { describe, expect, it } from 'vitest';
import { addChunk, emptySplit, splitWhole } from '../../src/core/streaming/reasoning.js';
import { emptyAnswer, reduceAnswer, shortToolText } from '../../src/core/streaming/answer-state.js';
import { renderAnswer } from '../../src/core/streaming/answer-view.js';
import type { DifyEvent } from '../../src/dify/events.js';

const feed = (chunks: string[]) => chunks.reduce(addChunk, emptySplit());

describe('reasoning split from the answer', () => {
  it('takes a leading <think> out of the text, whichever way chunks cut its tags', () => {
    const whole = '<think>\nFirst, the user wants X.\n</think>\n\nThe answer is 42.';
    // Every cut point of the text into two chunks, and one character at a time.
    for (let i = 0; i <= whole.length; i++) {
      const s = feed([whole.slice(0, i), whole.slice(i)]);
      expect(s, `cut at ${i}`).toMatchObject({ text: 'The answer is 42.', reasoning: '\nFirst, the user wants X.\n', open: false, held: '' });
    }
    expect(feed([...whole])).toMatchObject({ text: 'The answer is 42.', reasoning: '\nFirst, the user wants X.\n' });
  });

  it('never shows a half tag or the reasoning while it streams', () => {
    expect(feed(['<th'])).toMatchObject({ text: '', held: '<th' });
    expect(feed(['<think>Hmm, </th'])).toMatchObject({ text: '', reasoning: 'Hmm, ', open: true, held: '</th' });
    expect(feed(['<think>Hmm'])).toMatchObject({ text: '', reasoning: 'Hmm', open: true });
  });

  it('leaves text alone that merely contains a tag, or starts like one', () => {
    expect(feed(['Use <think> tags like this.'])).toMatchObject({ text: 'Use <think> tags like this.', reasoning: '' });
    expect(feed(['<', 'b>bold</b>'])).toMatchObject({ text: '<b>bold</b>', reasoning: '' });
    expect(splitWhole('<thi')).toMatchObject({ text: '<thi', held: '' });
    expect(feed(['Answer.', '<think>later</think>'])).toMatchObject({ text: 'Answer.<think>later</think>' });
  });

  it('folds reasoning_chunk events and tagged text into the state; the answer renders without them unless asked', () => {
    const ev = (e: Record<string, unknown>) => e as unknown as DifyEvent;
    let s = emptyAnswer();
    for (const e of [
      ev({ event: 'reasoning_chunk', data: { reasoning: 'Step one. ', node_id: 'llm', is_final: false } }),
      ev({ event: 'reasoning_chunk', data: { reasoning: 'Step two.', node_id: 'llm', is_final: true } }),
      ev({ event: 'message', answer: 'Done.' }),
    ])
      s = reduceAnswer(s, e);
    expect(s).toMatchObject({ text: 'Done.', reasoning: 'Step one. Step two.', reasoningDone: true });
    expect(renderAnswer(s, true)).toBe('Done.');
    expect(renderAnswer(s, true, { showReasoning: true })).toBe('> _Thinking_\n> Step one. Step two.\n\nDone.');

    let t = emptyAnswer();
    for (const piece of ['<think>why', ' not</think>', 'Because.']) t = reduceAnswer(t, ev({ event: 'message', answer: piece }));
    expect(t).toMatchObject({ text: 'Because.', reasoning: 'why not', reasoningDone: true });
    // While it thinks there is no answer yet: the placeholder, never the reasoning.
    expect(renderAnswer(reduceAnswer(emptyAnswer(), ev({ event: 'message', answer: '<think>hmm' })), false)).toBe('_Thinking…_');
  });
});

describe('a tool call in short', () => {
  it("unwraps Dify's JSON keyed by the tool and keeps the first lines", () => {
    expect(shortToolText('{"web_search": {"query": "dify slack", "limit": 3}}', 'web_search', 200)).toBe('query: dify slack, limit: 3');
    expect(shortToolText('{"web_search": "line 1\\nline 2\\n\\nline 3\\nline 4"}', 'web_search', 300, 3)).toBe('line 1\nline 2\nline 3');
    expect(shortToolText('plain observation', 'x', 10)).toBe('plain obs…');
    expect(shortToolText('', 'x', 10)).toBeUndefined();
  });
});
