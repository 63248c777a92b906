import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDify, writeSse, WorkflowEvents } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { FileUrlGuard, classifyAddress } from '../../src/dify/file-guard.js';

// Review item 2: any workflow output shaped {url, filename} was fetched from any host and uploaded.
let t: TestBridge | undefined;
let internal: Server | undefined;
afterEach(async () => {
  await t?.close();
  if (internal) await new Promise((r) => internal!.close(r));
  t = internal = undefined;
});

/** A server standing in for an internal service (cloud metadata, an admin API): it records every request. */
async function internalService(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  internal = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('AWS_SECRET_ACCESS_KEY=leaked');
  });
  await new Promise<void>((r) => internal!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(internal.address() as AddressInfo).port}`, hits };
}

const difyFile = (url: string, filename: string) => ({
  dify_model_identity: '__dify__file__',
  type: 'document',
  filename,
  extension: '.txt',
  mime_type: 'text/plain',
  url,
});

describe('workflow outputs never make the bridge fetch what Dify does not serve', () => {
  it('fetches nothing from another host: not a look-alike object, not a Dify file object, not a redirect', async () => {
    const { url, hits } = await internalService();
    const dify = await new FakeDify().start();
    dify.apps.set('app-report', {
      mode: 'workflow',
      name: 'Report',
      form: [{ paragraph: { variable: 'text', label: 'Text', type: 'paragraph', required: true } }],
    });
    // Dify's own origin, but a redirect off it.
    dify.outputFiles.set('bounce', { redirect: `${url}/latest/meta-data/iam` });
    dify.outputFiles.set('real', { bytes: Buffer.from('real report'), mime: 'text/plain' });
    const w = new WorkflowEvents();
    dify.apps.get('app-report')!.onRun = (_req, res) =>
      writeSse(res, [
        w.started(),
        w.finished('succeeded', {
          shaped: { url: `${url}/latest/meta-data`, filename: 'creds.txt' },
          marked: difyFile(`${url}/admin/export`, 'export.txt'),
          bounced: difyFile('/files/bounce', 'bounce.txt'),
          real: difyFile('/files/real', 'report.txt'),
        }),
      ]);
    t = await startTestBridge({ dify, bridgeConfig: { apps: { report: { type: 'workflow', apiKey: 'app-report', apiUrl: dify.url } } } });
    await t.command('report quarterly numbers');
    await settled(t);
    expect(hits).toEqual([]);
    const files = [...t.slack.files.values()];
    expect(files.map((f) => f.filename)).toEqual(['report.txt']);
    expect(files.map((f) => f.bytes.toString()).join()).not.toContain('AWS_SECRET');
    // The look-alike is shown as data; the refusals are logged with their reason.
    const [answer] = t.slack.replies('C1', undefined);
    expect(answer!.text).toContain('creds.txt');
    const refusals = t.logs.filter((l) => l['msg'] === 'could not fetch an output file from Dify').map((l) => JSON.stringify(l['err']));
    expect(refusals.some((r) => r.includes("which is not Dify's"))).toBe(true);
    expect(refusals.some((r) => r.includes('http_302'))).toBe(true);
    await dify.close();
  });
});

describe('the file URL guard', () => {
  it('classes addresses: link-local never, private and loopback internal, the rest public', () => {
    expect(classifyAddress('169.254.169.254')).toBe('never');
    expect(classifyAddress('fe80::1')).toBe('never');
    expect(classifyAddress('0.0.0.0')).toBe('never');
    expect(classifyAddress('::ffff:169.254.169.254')).toBe('never');
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.5', '192.168.1.1', '::1', 'fd00::5', '::ffff:10.0.0.1']) expect(classifyAddress(a)).toBe('internal');
    expect(classifyAddress('93.184.216.34')).toBe('public');
    expect(classifyAddress('2606:2800:220:1::')).toBe('public');
  });

  it('refuses a name that first resolved public and now resolves internal (DNS rebinding), keeps an internal Dify working', async () => {
    const answers: Record<string, string[][]> = { 'dify.example.com': [['93.184.216.34'], ['127.0.0.1']], api: [['172.18.0.4'], ['172.18.0.4']] };
    const resolver = ((host: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
      cb(
        null,
        answers[host]!.shift()!.map((address) => ({ address, family: 4 })),
      )) as never;
    const guard = new FileUrlGuard(['https://dify.example.com/v1', 'http://api:5001/v1'], resolver);
    const look = (host: string) =>
      new Promise<string>((resolve) =>
        guard.lookup(host, { all: true }, (err, a) => resolve(err ? `refused: ${err.message}` : (a as Array<{ address: string }>)[0]!.address)),
      );
    expect(await look('dify.example.com')).toBe('93.184.216.34');
    expect(await look('dify.example.com')).toMatch(/^refused: .*127\.0\.0\.1/);
    expect(await look('api')).toBe('172.18.0.4');
    expect(await look('api')).toBe('172.18.0.4');
    expect(() => guard.check(new URL('http://169.254.169.254/latest'))).toThrow(/not Dify's/);
    expect(() => guard.check(new URL('https://dify.example.com/files/x'))).not.toThrow();
    expect(() => guard.check(new URL('https://dify.example.com:8443/files/x'))).toThrow(/not Dify's/);
  });
});
