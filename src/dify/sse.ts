import { createParser } from 'eventsource-parser';
import { DifyError } from './errors.js';

/**
 * Turns a byte stream in Dify's SSE framing into the JSON values of its `data:` lines.
 * Handles frames and multi-byte UTF-8 characters split across chunks, CRLF, comments and
 * Dify's bare `event: ping` keep-alives (which carry no data and are never dispatched).
 */
export async function* sseJson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const pending: string[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e.data) });
  const decoder = new TextDecoder();
  const drain = function* () {
    while (pending.length > 0) {
      const data = pending.shift()!;
      try {
        yield JSON.parse(data) as unknown;
      } catch {
        throw new DifyError('protocol', 'invalid_event', `Dify sent a stream line that is not JSON: ${data.slice(0, 80)}`);
      }
    }
  };
  for await (const chunk of chunks) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    yield* drain();
  }
  // A final frame without its blank line still counts: flush the decoder, then end the frame.
  parser.feed(decoder.decode() + '\n\n');
  yield* drain();
}
