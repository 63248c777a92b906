import { describe, expect, it } from 'vitest';
import { ThreadLog } from '../../src/core/chat/thread-log.js';

describe('ThreadLog', () => {
  it('is complete when it saw the thread from its root, and keeps messages in ts order', () => {
    const log = new ThreadLog();
    log.record('k', { ts: '100.000002', userId: 'U2', text: 'second' }, '100.000001');
    expect(log.complete('k')).toBeUndefined();
    log.record('k2', { ts: '100.000001', userId: 'U1', text: 'root' }, '100.000001');
    log.record('k2', { ts: '100.000003', userId: 'U1', text: 'third' });
    log.record('k2', { ts: '100.000001a', userId: 'B', text: 'answer to root' });
    expect(log.complete('k2')!.map((m) => m.text)).toEqual(['root', 'answer to root', 'third']);
  });

  it('merges what Slack returns with what was logged, without duplicates', () => {
    const log = new ThreadLog();
    log.record('k', { ts: '100.000003', userId: 'U', text: 'live' }, '100.000001');
    const merged = log.fill('k', [
      { ts: '100.000001', userId: 'U', text: 'root' },
      { ts: '100.000003', userId: 'U', text: 'live' },
    ]);
    expect(merged.map((m) => m.text)).toEqual(['root', 'live']);
    expect(log.complete('k')).toHaveLength(2);
  });

  it('forgets the least recently used threads past its size', () => {
    const log = new ThreadLog(2);
    for (const k of ['a', 'b', 'c']) log.record(k, { ts: '1.000001', userId: 'U', text: k }, '1.000001');
    expect(log.complete('a')).toBeUndefined();
    expect(log.complete('c')).toHaveLength(1);
  });
});
