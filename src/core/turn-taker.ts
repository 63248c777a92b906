/**
 * Lets work wait its turn of the event loop: one waiter goes on per turn, in arrival order, so
 * a burst (a thousand mentions delivered at once, each starting a run) is spread over as many
 * turns, and timers, acknowledgements and streams already under way get the loop in between
 * instead of waiting for the whole burst. A waiter that is alone goes on at the next turn.
 */
export class TurnTaker {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly schedule: (go: () => void) => void = setImmediate) {}

  /** Resolves at this waiter's turn. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.kick();
    });
  }

  /** How many wait. */
  get queued(): number {
    return this.waiting.length;
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      // Scheduled before going on, so the next one comes at the next turn, after what this one sets off.
      if (this.waiting.length > 1) this.kick();
      this.waiting.shift()?.();
    });
  }
}
