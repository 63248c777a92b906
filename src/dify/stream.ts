import { DifyError } from './errors.js';
import { parseDifyEvent, TERMINAL_EVENTS, type DifyEvent } from './events.js';
import { toDifyError } from './http.js';
import { SseJsonDecoder } from './sse.js';

/**
 * A running Dify generation: an async iterable of typed events. An in-stream `error` event
 * ends iteration by throwing that error; so does a stream that closes before its terminal
 * event. `taskId` is known from the first event on, for the stop endpoint.
 */
export class DifyEventStream implements AsyncIterable<DifyEvent> {
  private task?: string;
  private consumed = false;

  constructor(
    private readonly body: AsyncIterable<Uint8Array>,
    private readonly controller: AbortController,
  ) {}

  get taskId(): string | undefined {
    return this.task;
  }

  /** Stops reading at once and releases the connection (the generation itself is stopped by the stop endpoint). */
  abort(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<DifyEvent> {
    if (this.consumed) throw new Error('A Dify event stream can be read only once');
    this.consumed = true;
    // An object: set from `accept` below, which the compiler does not follow.
    const seen = { terminal: false };
    try {
      const decoder = new SseJsonDecoder();
      // One generator from bytes to events (each event is a hop of the reader's loop, not two).
      const accept = (json: unknown): DifyEvent => {
        const event = parseDifyEvent(json);
        if (event.event === 'error') {
          throw new DifyError('stream', event.code ?? 'unknown', event.message || 'Dify reported an error', event.status ?? undefined);
        }
        if (event.event !== 'unknown' && event.task_id) this.task ??= event.task_id;
        if (TERMINAL_EVENTS.has(event.event)) seen.terminal = true;
        return event;
      };
      for await (const chunk of this.body) for (const json of decoder.push(chunk)) yield accept(json);
      for (const json of decoder.end()) yield accept(json);
    } catch (err) {
      throw toDifyError(err, this.controller.signal);
    } finally {
      // Leaving the loop early (break, error) must not leave the socket reading; after a
      // complete read this is a no-op.
      this.controller.abort();
    }
    if (!seen.terminal) throw new DifyError('network', 'stream_ended', 'The Dify stream ended before the answer was complete');
  }
}
