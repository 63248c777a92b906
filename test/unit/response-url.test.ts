import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseUrl } from '../../src/slack/response-url.js';

let server: Server;
let base = '';
const bodies: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('ResponseUrl', () => {
  it('posts at most 5 times', async () => {
    const url = new ResponseUrl(`${base}/r1`);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await url.post(`message ${i}`, 'ephemeral'));
    expect(results).toEqual([true, true, true, true, true, false, false]);
    expect(bodies).toHaveLength(5);
    expect(bodies[0]).toEqual({ response_type: 'ephemeral', text: 'message 0', blocks: [{ type: 'markdown', text: 'message 0' }] });
  });

  it('is not used after 30 minutes', async () => {
    const url = new ResponseUrl(`${base}/r2`, Date.now() - 30 * 60_000 - 1);
    expect(await url.post('late', 'in_channel')).toBe(false);
  });
});
