import { describe, expect, it } from 'vitest';
import { EDIT_WINDOW_MS, LocalCoordination, STREAM_HEARTBEAT_MS } from '../../src/store/local-coordination.js';

/** A greedy workspace on a fake clock: an edit is asked for every `everyMs`, and taken when allowed. */
async function simulate(perMinute: number, minutes: number, everyMs: number): Promise<number[]> {
  let now = 1_000_000;
  const c = new LocalCoordination(() => now);
  const taken: number[] = [];
  for (const end = now + minutes * 60_000; now < end; now += everyMs) if ((await c.takeEdit('T1', perMinute)) === 0) taken.push(now);
  return taken;
}

describe("a workspace's edit allowance", () => {
  it.each([50, 30, 7])(
    'never allows more than %i edits in any 61 s (a minute and a second in flight), the first one included, and keeps its rate',
    async (perMinute) => {
      const taken = await simulate(perMinute, 5, 50);
      for (let i = 0; i + perMinute < taken.length; i++) expect(taken[i + perMinute]! - taken[i]!).toBeGreaterThanOrEqual(EDIT_WINDOW_MS);
      expect(taken.length).toBeGreaterThanOrEqual(Math.floor((perMinute * 300_000) / EDIT_WINDOW_MS) - 1);
      // Paced: no more than a sixth of the minute (the burst) in any second.
      for (let i = 0; i + Math.ceil(perMinute / 6) < taken.length; i++) expect(taken[i + Math.ceil(perMinute / 6)]! - taken[i]!).toBeGreaterThan(1000);
    },
  );

  it('lets final edits go first: while one waits, no intermediate edit is taken, and 100 finals land within the fair share', async () => {
    let now = 1_000_000;
    const c = new LocalCoordination(() => now);
    const start = now;
    // 100 answers end at once; one more keeps asking for intermediate edits every 50 ms.
    const waitingFinals = new Set(Array.from({ length: 100 }, (_, i) => i));
    const finalAt: number[] = [];
    let intermediatesWhileWaiting = 0;
    for (; waitingFinals.size > 0 && now < start + 10 * 60_000; now += 50) {
      for (const i of [...waitingFinals]) {
        if ((await c.takeEdit('T1', 50, true)) === 0) {
          waitingFinals.delete(i);
          finalAt.push(now - start);
        }
      }
      if (waitingFinals.size > 0 && (await c.takeEdit('T1', 50)) === 0) intermediatesWhileWaiting++;
    }
    expect(waitingFinals.size).toBe(0);
    expect(intermediatesWhileWaiting).toBe(0);
    // 100 edits at 50 a window: the last lands inside the second window.
    expect(Math.max(...finalAt)).toBeLessThanOrEqual(2 * EDIT_WINDOW_MS);
    // And once no final waits, intermediate edits go again.
    now += 60_000;
    expect(await c.takeEdit('T1', 50)).toBe(0);
  });

  it('100 short answers under 50 edits a minute: their finals all land within the fair share (2 minutes), none of the window spent on progress', async () => {
    let now = 1_000_000;
    const c = new LocalCoordination(() => now);
    const start = now;
    for (let i = 0; i < 100; i++) await c.activeStreams('T1', `a${i}`, true);
    now += 1000; // a second in, every answer would like a progress edit
    let progress = 0;
    for (let i = 0; i < 100; i++) if ((await c.takeEdit('T1', 50)) === 0) progress++;
    expect(progress).toBe(0);
    now += 1000; // all 100 end: each needs its final edit
    const endedAt = now;
    const waiting = new Set(Array.from({ length: 100 }, (_, i) => i));
    let slowest = 0;
    for (; waiting.size > 0 && now < start + 10 * 60_000; now += 50) {
      for (const i of [...waiting]) {
        if ((await c.takeEdit('T1', 50, true)) === 0) {
          waiting.delete(i);
          await c.activeStreams('T1', `a${i}`, false);
          slowest = now - endedAt;
        }
      }
    }
    expect(waiting.size).toBe(0);
    expect(slowest).toBeLessThanOrEqual(120_000);
  });

  it('a stream whose heartbeat lapses stops counting at once, one that beats again keeps counting', async () => {
    let now = 1_000_000;
    const c = new LocalCoordination(() => now);
    await c.activeStreams('T1', 'a', true);
    now += 10_000;
    await c.activeStreams('T1', 'b', true);
    now += STREAM_HEARTBEAT_MS - 10_000 - 1;
    expect(await c.activeStreams('T1', 'c', true)).toBe(3);
    now += 1; // a's heartbeat has lapsed
    expect(await c.activeStreams('T1', 'b', true)).toBe(2);
    now += STREAM_HEARTBEAT_MS - 1; // c lapsed a moment ago (it beat 1 ms before a lapsed); b, renewed at a's lapse, has 1 ms left
    expect(await c.activeStreams('T1', 'd', false)).toBe(1);
    now += 1;
    expect(await c.activeStreams('T1', 'd', false)).toBe(0);
  });
});
