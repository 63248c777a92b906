import { describe, expect, it } from 'vitest';
import { TurnTaker } from '../../src/core/turn-taker.js';

describe('the turn taker', () => {
  it('lets one waiter go on per turn, in arrival order, and what a turn sets off runs before the next turn', async () => {
    const turns: Array<() => void> = [];
    const taker = new TurnTaker((go) => void turns.push(go));
    const log: string[] = [];
    const work = (name: string) =>
      taker.turn().then(async () => {
        log.push(`${name} starts`);
        await Promise.resolve();
        log.push(`${name} goes on`);
      });
    const all = Promise.all(['a', 'b', 'c'].map(work));
    expect(taker.queued).toBe(3);
    expect(turns).toHaveLength(1); // one turn asked for at a time
    for (let i = 0; turns.length > 0 && i < 10; i++) {
      turns.shift()!();
      await new Promise((r) => setImmediate(r));
      log.push('turn ends');
    }
    await all;
    expect(log).toEqual(['a starts', 'a goes on', 'turn ends', 'b starts', 'b goes on', 'turn ends', 'c starts', 'c goes on', 'turn ends']);
    expect(taker.queued).toBe(0);
  });

  it('on the real event loop, a timer due meanwhile runs between two turns of a burst', async () => {
    const taker = new TurnTaker();
    const log: string[] = [];
    const burst = Array.from({ length: 50 }, (_, i) =>
      taker.turn().then(() => {
        const until = Date.now() + 1; // a millisecond of work each
        while (Date.now() < until);
        log.push(String(i));
      }),
    );
    // Set after the burst is queued: without turns, all 50 ms of it would run before the timer.
    const timer = new Promise<void>((r) => setTimeout(() => (log.push('timer'), r()), 0));
    await Promise.all([...burst, timer]);
    expect(log.indexOf('timer')).toBeLessThan(5);
    expect(log.filter((x) => x !== 'timer')).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});
