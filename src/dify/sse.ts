import { createParser, type EventSourceParser } from 'eventsource-parser';
import { DifyError } from './errors.js';

/**
 * Dify's SSE framing, chunk by chunk: the JSON values of the `data:` lines each chunk completes.
 * Handles frames and multi-byte UTF-8 characters split across chunks, CRLF, comments and
 * Dify's bare `event: ping` keep-alives (which carry no data and are never dispatched).
 * Synchronous, so a stream of events costs no generator hop per event on top of its own.
 */
/** One event (or an unterminated line) may hold this many characters; past it the stream is ended, not buffered. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

export class SseJsonDecoder {
  private readonly pending: string[] = [];
  private overflow?: DifyError;
  private readonly parser: EventSourceParser = createParser({
    onEvent: (e) => this.pending.push(e.data),
    maxBufferSize: MAX_EVENT_CHARS,
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded')
        this.overflow = new DifyError(
          'protocol',
          'event_too_large',
          `Dify sent a stream event larger than ${MAX_EVENT_CHARS / 1024 / 1024} MB; the answer ends there`,
        );
    },
  });
  private readonly decoder = new TextDecoder();

  /** The values completed by this chunk. */
  push(chunk: Uint8Array | string): unknown[] {
    if (this.failed) throw this.failed;
    this.parser.feed(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    return this.drainOrOverflow();
  }

  /** The stream ended: a final frame without its blank line still counts. */
  end(): unknown[] {
    if (this.failed) throw this.failed;
    if (!this.overflow) this.parser.feed(this.decoder.decode() + '\n\n');
    return this.drainOrOverflow();
  }

  /** What was complete before an oversized event still counts; the overflow is thrown next. */
  private drainOrOverflow(): unknown[] {
    const out = this.drain();
    if (this.overflow) {
      this.failed ??= this.overflow;
      if (out.length === 0) throw this.failed;
    }
    return out;
  }

  /** A line that is not JSON ends the stream, after the values before it (thrown on the next call). */
  private failed?: DifyError;

  private drain(): unknown[] {
    if (this.failed) throw this.failed;
    const out: unknown[] = [];
    for (const data of this.pending.splice(0)) {
      try {
        out.push(JSON.parse(data) as unknown);
      } catch {
        this.failed = new DifyError('protocol', 'invalid_event', `Dify sent a stream line that is not JSON: ${data.slice(0, 80)}`);
        if (out.length === 0) throw this.failed;
        break;
      }
    }
    return out;
  }
}

/** Turns a byte stream in Dify's SSE framing into the JSON values of its `data:` lines. */
export async function* sseJson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new SseJsonDecoder();
  for await (const chunk of chunks) yield* decoder.push(chunk);
  yield* decoder.end();
}
