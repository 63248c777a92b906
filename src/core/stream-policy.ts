import { setTimeout as sleep } from 'node:timers/promises';
import { SinkRateLimited, SinkUnavailable, type AnswerSink } from './answer-sink.js';

export interface StreamTiming {
  /** Minimum time between two renders of one answer (STREAM_INTERVAL_MS). */
  intervalMs: number;
  /** How long to wait for a first token before showing a placeholder. */
  placeholderDelayMs: number;
}

const FINAL_ATTEMPTS = 8;

/**
 * The streaming policy: shows the first content at once, then coalesces updates so the
 * sink renders at most once per interval; defers after a rate limit; and always lands the
 * final render, after any render still in flight.
 */
export class ThrottledRenderer {
  /** Rendered only when a flush happens: rendering per token would be quadratic in the answer's length. */
  private latest?: () => string;
  /** An update arrived since the last flush took the view. */
  private dirty = false;
  private shown?: string;
  private lastShowAt = Number.NEGATIVE_INFINITY;
  private blockedUntil = 0;
  private timer?: NodeJS.Timeout;
  private placeholderTimer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private closed = false;
  private unavailable?: SinkUnavailable;

  constructor(
    private readonly sink: AnswerSink,
    private readonly timing: StreamTiming,
    private readonly onUnavailable: (err: SinkUnavailable) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Shows `placeholder` if nothing else was shown within the placeholder delay. */
  start(placeholder: string): void {
    this.placeholderTimer = setTimeout(() => {
      if (this.latest === undefined && !this.closed) {
        this.latest = () => placeholder;
        this.dirty = true;
        this.schedule();
      }
    }, this.timing.placeholderDelayMs);
  }

  /** The answer so far. `hasContent` false: nothing worth showing yet (wait for the placeholder). */
  update(view: () => string, hasContent: boolean): void {
    if (this.closed || this.unavailable) return;
    if (!hasContent && this.shown === undefined && !this.inFlight) return;
    this.latest = view;
    this.dirty = true;
    this.schedule();
  }

  /** Renders the final answer, waiting out the interval and rate limits; throws if it cannot land. */
  async finish(markdown: string): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.placeholderTimer);
    await this.inFlight;
    if (this.unavailable) throw this.unavailable;
    for (let attempt = 1; ; attempt++) {
      const wait = Math.max(this.lastShowAt + this.timing.intervalMs, this.blockedUntil) - Date.now();
      if (wait > 0) await sleep(wait);
      this.lastShowAt = Date.now();
      try {
        await this.sink.show(markdown, true);
        this.shown = markdown;
        return;
      } catch (err) {
        if (!(err instanceof SinkRateLimited) || attempt >= FINAL_ATTEMPTS) throw err;
        this.blockedUntil = Date.now() + err.retryAfterMs;
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.inFlight || this.closed) return;
    const wait = Math.max(this.lastShowAt + this.timing.intervalMs, this.blockedUntil) - Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(0, wait));
  }

  private flush(): void {
    if (this.closed || this.latest === undefined) return;
    this.dirty = false;
    const markdown = this.latest();
    if (markdown === this.shown) return;
    this.lastShowAt = Date.now();
    this.inFlight = this.sink
      .show(markdown, false)
      .then(
        () => {
          this.shown = markdown;
        },
        (err: unknown) => {
          this.dirty = true;
          if (err instanceof SinkRateLimited) this.blockedUntil = Date.now() + err.retryAfterMs;
          else if (err instanceof SinkUnavailable) {
            this.unavailable = err;
            this.onUnavailable(err);
          } else this.onError(err);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.dirty && !this.unavailable) this.schedule();
      });
  }
}
