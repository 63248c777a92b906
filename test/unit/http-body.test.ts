import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyTooLarge, readBody } from '../../src/http-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A loopback server whose requests are read with readBody; each outcome is reported. */
async function serve(maxBytes: number): Promise<{ port: number; outcomes: Array<Promise<Buffer | Error>> }> {
  const outcomes: Array<Promise<Buffer | Error>> = [];
  server = createServer((req: IncomingMessage, res) => {
    const read = readBody(req, maxBytes).then(
      (body) => {
        res.writeHead(200).end(`${body.length}`);
        return body;
      },
      (err: Error) => {
        if (err instanceof BodyTooLarge) res.writeHead(413).end();
        return err;
      },
    );
    outcomes.push(read);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, outcomes };
}

function post(port: number, chunks: string[], headers: Record<string, string | number> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody', () => {
  it('returns a body sent in several chunks whole, in order', async () => {
    const { port, outcomes } = await serve(1024);
    expect(await post(port, ['{"a":', '"é', 'x"}'])).toBe(200);
    expect(((await outcomes[0]) as Buffer).toString('utf8')).toBe('{"a":"éx"}');
  });

  it('refuses a declared length over the limit without reading it, and the answer still reaches the client', async () => {
    const { port, outcomes } = await serve(10);
    expect(await post(port, ['x'.repeat(11)], { 'content-length': 11 })).toBe(413);
    expect(await outcomes[0]).toBeInstanceOf(BodyTooLarge);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const { port, outcomes } = await serve(10);
    expect(await post(port, ['x'.repeat(6), 'y'.repeat(6)])).toBe(413);
    expect(await outcomes[0]).toBeInstanceOf(BodyTooLarge);
  });

  it('rejects when the client goes away before the body ends', async () => {
    const { port, outcomes } = await serve(1024);
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': 100 } });
      req.on('error', () => resolve());
      req.write('partial', () => setTimeout(() => req.destroy(), 50));
    });
    await expect.poll(() => outcomes.length).toBe(1);
    const outcome = await outcomes[0];
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(BodyTooLarge);
  });
});
