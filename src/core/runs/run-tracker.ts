import { setMaxListeners } from 'node:events';

/**
 * The runs a component has under way: lets a shutdown wait for them, and interrupt them when
 * its deadline passes (each run watches `signal`).
 */
export class RunTracker {
  private readonly runs = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  constructor() {
    // Every run listens to this one signal: hundreds of listeners are expected, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Aborted when a shutdown's deadline has passed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): number {
    return this.runs.size;
  }

  track(run: Promise<void>): Promise<void> {
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run)).catch(() => undefined);
    return run;
  }

  async idle(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs]);
  }

  /** Waits for the runs; past `deadlineMs` they are interrupted (and end quickly). */
  async shutdown(deadlineMs: number): Promise<void> {
    const timer = setTimeout(() => this.controller.abort(), deadlineMs);
    await this.idle();
    clearTimeout(timer);
  }
}
