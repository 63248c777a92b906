import { describe, expect, it } from 'vitest';
import { sseJson } from '../../src/dify/sse.js';
import { DifyError } from '../../src/dify/errors.js';

async function collect(chunks: Array<Uint8Array | string>): Promise<unknown[]> {
  const out: unknown[] = [];
  async function* gen() {
    yield* chunks;
  }
  for await (const v of sseJson(gen())) out.push(v);
  return out;
}

/** Every way to cut `bytes` into two or three pieces. */
function* cuts(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= bytes.length; i++) {
    yield [bytes.slice(0, i), bytes.slice(i)];
    for (let j = i + 1; j < bytes.length; j += 7) yield [bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)];
  }
}

describe('sseJson', () => {
  const events = [
    { event: 'message', answer: 'こんにちは 🌍 ' },
    { event: 'message', answer: 'naïve café' },
    { event: 'message_end', id: 'm1' },
  ];
  const wire = `data: ${JSON.stringify(events[0])}\n\nevent: ping\n\n: a comment\n\ndata: ${JSON.stringify(events[1])}\n\ndata: ${JSON.stringify(events[2])}\n\n`;
  const bytes = new TextEncoder().encode(wire);

  it('yields the data events and skips pings and comments, however the bytes are chunked', async () => {
    for (const chunks of cuts(bytes)) expect(await collect(chunks)).toEqual(events);
  });

  it('handles one byte at a time (multi-byte characters split across chunks)', async () => {
    expect(await collect([...bytes].map((b) => Uint8Array.of(b)))).toEqual(events);
  });

  it('accepts CRLF, spaced JSON, \\u escapes and an SSE event line', async () => {
    const crlf = 'event: message\r\ndata: {"event": "message", "answer": "caf\\u00e9"}\r\n\r\nevent: ping\r\n\r\n';
    expect(await collect([crlf])).toEqual([{ event: 'message', answer: 'café' }]);
  });

  it('keeps a final event that lacks its blank line', async () => {
    expect(await collect(['data: {"event":"message_end"}'])).toEqual([{ event: 'message_end' }]);
  });

  it('keeps what came before a line that is not JSON, in the same chunk, then fails', async () => {
    const out: unknown[] = [];
    async function* gen() {
      yield 'data: {"event":"message","answer":"kept"}\n\ndata: {broken\n\ndata: {"event":"message","answer":"after"}\n\n';
    }
    await expect(
      (async () => {
        for await (const v of sseJson(gen())) out.push(v);
      })(),
    ).rejects.toThrow(/not JSON: \{broken/);
    expect(out).toEqual([{ event: 'message', answer: 'kept' }]);
  });

  it('fails clearly on a data line that is not JSON', async () => {
    await expect(collect(['data: <html>oops\n\n'])).rejects.toBeInstanceOf(DifyError);
  });
});
