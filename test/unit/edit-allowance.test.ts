import { describe, expect, it } from 'vitest';
import { LocalCoordination } from '../../src/store/local-coordination.js';

/** A greedy workspace on a fake clock: an edit is asked for every `everyMs`, and taken when allowed. */
async function simulate(perMinute: number, minutes: number, everyMs: number): Promise<number[]> {
  let now = 1_000_000;
  const c = new LocalCoordination(() => now);
  const taken: number[] = [];
  for (const end = now + minutes * 60_000; now < end; now += everyMs) if ((await c.takeEdit('T1', perMinute)) === 0) taken.push(now);
  return taken;
}

describe("a workspace's edit allowance", () => {
  it.each([50, 30, 7])('never allows more than %i edits in any 60 s, the first minute included, and keeps its rate', async (perMinute) => {
    const taken = await simulate(perMinute, 5, 50);
    for (let i = 0; i + perMinute < taken.length; i++) expect(taken[i + perMinute]! - taken[i]!).toBeGreaterThanOrEqual(60_000);
    expect(taken.length).toBeGreaterThanOrEqual(perMinute * 5 - 1);
    // Paced: no more than a sixth of the minute (the burst) in any second.
    for (let i = 0; i + Math.ceil(perMinute / 6) < taken.length; i++) expect(taken[i + Math.ceil(perMinute / 6)]! - taken[i]!).toBeGreaterThan(1000);
  });
});
