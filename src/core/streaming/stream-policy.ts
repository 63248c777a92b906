import { SinkRateLimited, SinkUnavailable, type AnswerSink, type LiveView } from '../ports.js';
import type { EditBudget } from './edit-budget.js';

export interface StreamTiming {
  /** Minimum time between two renders of one answer (STREAM_INTERVAL_MS). */
  intervalMs: number;
  /** How long to wait for a first token before showing a placeholder. */
  placeholderDelayMs: number;
  /**
   * Show only the placeholder (with its Stop button) and the final answer, no intermediate
   * edits (STREAM_MODE=off): one message per answer, everything else as when streaming.
   */
  finalOnly?: boolean;
  /**
   * How long one stream of an app's run may go on (BRIDGE_CONFIG `maxRunMinutes`): a stream that
   * pings for ever must not hold its thread. A run paused for a person is not streaming.
   */
  runDeadlineMs?(appId: string): number | undefined;
}

/** One render: the Markdown, and the append-only form of the same answer (see AnswerSink). */
export interface RenderedView {
  markdown: string;
  live?: LiveView;
}

/** The global timer (not node:timers/promises), so the policy runs on a test's fake clock too. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A final render waits out rate limits this long before giving up (Slack's window is a minute). */
const FINAL_DEADLINE_MS = 10 * 60_000;
/** Transient failures of the final render (Slack 5xx, a dropped connection) are retried this often. */
const FINAL_ERROR_ATTEMPTS = 3;

/**
 * The streaming policy: shows the first content at once, then coalesces updates so the
 * sink renders at most once per interval; defers after a rate limit; and always lands the
 * final render, after any render still in flight.
 */
export class ThrottledRenderer {
  /** Rendered only when a flush happens: rendering per token would be quadratic in the answer's length. */
  private latest?: () => RenderedView;
  /** An update arrived since the last flush took the view. */
  private dirty = false;
  private shown?: string;
  private lastShowAt = Number.NEGATIVE_INFINITY;
  private blockedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private placeholderTimer?: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private unavailable?: SinkUnavailable;

  constructor(
    private readonly sink: AnswerSink,
    private readonly timing: StreamTiming,
    private readonly onUnavailable: (err: SinkUnavailable) => void,
    private readonly onError: (err: unknown) => void,
    private readonly budget?: EditBudget,
  ) {}

  private get interval(): number {
    return this.budget ? this.budget.interval(this.timing.intervalMs) : this.timing.intervalMs;
  }

  /** Shows `placeholder` if nothing else was shown within the placeholder delay. */
  start(placeholder: string): void {
    this.budget?.begin();
    this.placeholderTimer = setTimeout(() => {
      if (this.latest === undefined && !this.closed) {
        this.latest = () => ({ markdown: placeholder, live: { text: '', status: 'Thinking…' } });
        this.dirty = true;
        this.schedule();
      }
    }, this.timing.placeholderDelayMs);
  }

  /** The answer so far. `hasContent` false: nothing worth showing yet (wait for the placeholder). */
  update(view: () => RenderedView, hasContent: boolean): void {
    if (this.closed || this.unavailable || this.timing.finalOnly) return;
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
    try {
      if (this.unavailable) throw this.unavailable;
      let errors = 0;
      const deadline = Date.now() + FINAL_DEADLINE_MS;
      for (;;) {
        const wait = Math.max(this.lastShowAt + this.timing.intervalMs, this.blockedUntil) - Date.now();
        if (wait > 0) await sleep(wait);
        // The final edit also draws from the workspace's allowance, so a hundred answers ending
        // at once are paced instead of meeting Slack's 429s; it waits, it is never dropped.
        const allowance = this.shown === undefined ? 0 : await this.finalAllowance(deadline);
        if (allowance > 0) await sleep(allowance);
        this.lastShowAt = Date.now();
        try {
          await this.sink.show(markdown, true);
          this.shown = markdown;
          return;
        } catch (err) {
          if (err instanceof SinkRateLimited && Date.now() < deadline) {
            this.blockedUntil = Date.now() + err.retryAfterMs;
            await this.budget?.rateLimited(err.retryAfterMs).catch(() => undefined);
            continue;
          }
          // A sink that cannot tell whether a post went through (a 5xx) checks before posting again.
          if (err instanceof SinkUnavailable || err instanceof SinkRateLimited || ++errors >= FINAL_ERROR_ATTEMPTS) throw err;
          this.onError(err);
          this.blockedUntil = Date.now() + 500 * 2 ** errors;
        }
      }
    } finally {
      await this.budget?.end().catch(() => undefined);
    }
  }

  /** Waits for the allowance (0 when there is none to wait for), up to the deadline. */
  private async finalAllowance(deadline: number): Promise<number> {
    if (!this.budget) return 0;
    for (;;) {
      const wait = await this.budget.acquire(true).catch(() => 0);
      if (wait <= 0 || Date.now() + wait >= deadline) return 0;
      await sleep(wait);
    }
  }

  private schedule(): void {
    if (this.timer || this.inFlight || this.closed) return;
    const wait = Math.max(this.lastShowAt + this.interval, this.blockedUntil) - Date.now();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush();
      },
      Math.max(0, wait),
    );
  }

  private flush(): void {
    if (this.closed || this.latest === undefined) return;
    this.inFlight = this.allowed()
      .then((go) => {
        if (!go || this.closed || this.latest === undefined) return;
        this.dirty = false;
        // The newest view: updates that came while waiting for the allowance are in it.
        const { markdown, live } = this.latest();
        if (markdown === this.shown) return;
        this.lastShowAt = Date.now();
        return this.sink.show(markdown, false, live).then(() => {
          this.shown = markdown;
        });
      })
      .then(
        () => undefined,
        (err: unknown) => {
          this.dirty = true;
          if (err instanceof SinkRateLimited) {
            this.blockedUntil = Date.now() + err.retryAfterMs;
            void this.budget?.rateLimited(err.retryAfterMs).catch(() => undefined);
          } else if (err instanceof SinkUnavailable) {
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

  /**
   * The first render (a post) is free; an edit takes a share of the workspace's allowance.
   * Without allowance the flush is put off until there is some.
   */
  private async allowed(): Promise<boolean> {
    if (!this.budget || this.shown === undefined) return true;
    const wait = await this.budget.acquire().catch(() => 0);
    if (wait <= 0) return true;
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + wait);
    return false;
  }
}
