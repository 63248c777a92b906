import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SinkRateLimited, type AnswerSink } from '../../src/core/ports.js';
import { EditBudget } from '../../src/core/streaming/edit-budget.js';
import { ThrottledRenderer, type StreamTiming } from '../../src/core/streaming/stream-policy.js';
import { MemoryStore } from '../../src/store/memory-store.js';

/** A sink that records what it showed and when (on the fake clock), and can be told to fail. */
class RecordingSink implements AnswerSink {
  readonly shown: Array<{ at: number; markdown: string; final: boolean }> = [];
  failNext: Error[] = [];
  async show(markdown: string, final: boolean): Promise<void> {
    const fail = this.failNext.shift();
    if (fail) throw fail;
    this.shown.push({ at: Date.now(), markdown, final });
  }
}

const timing: StreamTiming = { intervalMs: 1000, placeholderDelayMs: 800 };
const quiet = () => undefined;
let sink: RecordingSink;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  sink = new RecordingSink();
});
afterEach(() => vi.useRealTimers());

const view = (markdown: string) => () => ({ markdown });

describe('the streaming policy (fake clock)', () => {
  it('shows the first text at once, then at most one render per interval, coalescing what came between', async () => {
    const r = new ThrottledRenderer(sink, timing, quiet, quiet);
    r.start('_Thinking…_');
    r.update(view('a'), true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.shown.map((s) => [s.at, s.markdown])).toEqual([[0, 'a']]);
    for (let i = 0; i < 50; i++) {
      r.update(view(`a${'b'.repeat(i)}`), true);
      await vi.advanceTimersByTimeAsync(30);
    }
    // 1.5 s of updates every 30 ms: one render at 1 s with the newest text, the next due at 2 s.
    expect(sink.shown.map((s) => s.at)).toEqual([0, 1000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.shown.at(-1)).toMatchObject({ at: 2000, markdown: `a${'b'.repeat(49)}` });
    expect(sink.shown).toHaveLength(3);
  });

  it('shows the placeholder only when nothing arrives within its delay', async () => {
    const r = new ThrottledRenderer(sink, timing, quiet, quiet);
    r.start('_Thinking…_');
    await vi.advanceTimersByTimeAsync(799);
    expect(sink.shown).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(sink.shown.map((x) => [x.markdown, x.final])).toEqual([['_Thinking…_', false]]);
    expect(sink.shown[0]!.at).toBeLessThanOrEqual(801);
    const fast = new ThrottledRenderer((sink = new RecordingSink()), timing, quiet, quiet);
    fast.start('_Thinking…_');
    fast.update(view('quick'), true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.shown.map((s) => s.markdown)).toEqual(['quick']);
  });

  it('after a 429, waits out Retry-After before the next render', async () => {
    const r = new ThrottledRenderer(sink, timing, quiet, quiet);
    r.update(view('one'), true);
    await vi.advanceTimersByTimeAsync(0);
    sink.failNext.push(new SinkRateLimited(5000));
    r.update(view('two'), true);
    await vi.advanceTimersByTimeAsync(1000); // the edit at 1 s meets the 429
    await vi.advanceTimersByTimeAsync(4999);
    expect(sink.shown.map((s) => s.markdown)).toEqual(['one']);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.shown.map((s) => [s.at, s.markdown])).toEqual([
      [0, 'one'],
      [6000, 'two'],
    ]);
  });

  it('always lands the final render: after the interval, through rate limits and a transient error', async () => {
    const errors: unknown[] = [];
    const r = new ThrottledRenderer(sink, timing, quiet, (e) => errors.push(e));
    r.update(view('partial'), true);
    await vi.advanceTimersByTimeAsync(0);
    sink.failNext.push(new SinkRateLimited(3000), new Error('socket hang up'));
    const done = r.finish('the whole answer');
    await vi.advanceTimersByTimeAsync(60_000);
    await done;
    expect(sink.shown.at(-1)).toMatchObject({ markdown: 'the whole answer', final: true });
    // Not before the interval (1 s), then 3 s for the 429, then the error's backoff.
    expect(sink.shown.at(-1)!.at).toBeGreaterThanOrEqual(4000);
    expect(errors).toHaveLength(1);
  });

  it('with finalOnly (STREAM_MODE=off) shows the placeholder and then only the final answer', async () => {
    const r = new ThrottledRenderer(sink, { ...timing, finalOnly: true }, quiet, quiet);
    r.start('_Thinking…_');
    for (let i = 0; i < 30; i++) {
      r.update(view(`text ${i}`), true);
      await vi.advanceTimersByTimeAsync(100);
    }
    await r.finish('final');
    expect(sink.shown.map((s) => s.markdown)).toEqual(['_Thinking…_', 'final']);
  });
});

describe('the edit allowance (fake clock)', () => {
  it('lets a workspace edit at its per-minute rate, shared by every answer, and pauses all of them after a 429', async () => {
    vi.setSystemTime(1_000_000);
    const store = new MemoryStore();
    const a = new EditBudget(store, 'T1', 60);
    const b = new EditBudget(store, 'T1', 60);
    // A burst of a sixth of a minute's allowance, then one a second.
    const burst: number[] = [];
    for (let i = 0; i < 11; i++) burst.push(await (i % 2 ? a : b).acquire());
    expect(burst.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(burst[10]).toBeGreaterThan(0);
    vi.advanceTimersByTime(1000);
    expect(await a.acquire()).toBe(0);
    // Two answers streaming (a's heartbeat saw both): twice the base interval (60/min shared by two).
    expect(a.interval(1000)).toBe(2000);
    await b.end();
    vi.advanceTimersByTime(5000);
    await a.acquire();
    expect(a.interval(1000)).toBe(1000);
    // A 429 pauses the whole workspace.
    vi.advanceTimersByTime(60_000);
    await a.rateLimited(7000);
    expect(await b.acquire()).toBe(7000);
    // Another workspace is not affected.
    expect(await new EditBudget(store, 'T2', 60).acquire()).toBe(0);
    await store.close();
  });

  it('makes a renderer wait for the allowance instead of meeting a 429', async () => {
    const store = new MemoryStore();
    const budget = new EditBudget(store, 'T1', 6); // one edit every 10 s, a burst of 1
    const r = new ThrottledRenderer(sink, timing, quiet, quiet, budget);
    r.update(view('first'), true); // the first post is free
    await vi.advanceTimersByTimeAsync(0);
    r.update(view('second'), true);
    await vi.advanceTimersByTimeAsync(1000);
    r.update(view('third'), true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.shown.map((s) => s.markdown)).toEqual(['first', 'second']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sink.shown.map((s) => s.markdown)).toEqual(['first', 'second', 'third']);
    await store.close();
  });
});
