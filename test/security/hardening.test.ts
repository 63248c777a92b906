import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { downloadSlackFile, FileRefused } from '../../src/slack/files/download-file.js';
import { FULL_ANSWER_FILE, MAX_PAGES } from '../../src/slack/answer-writer.js';
import { sleep, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { ApprovalFlow, approveForm } from '../support/human-input-flow.js';

// Review item 8: the low findings, each a one-liner, each real.
let t: TestBridge | undefined;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0)) await c();
});

describe('Dify streams are bounded', () => {
  it('an event larger than 4 MB ends the answer with a visible line instead of being buffered', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(events.message('Before the flood.'))}\n\n`);
      // 5 MiB of one data line that never ends.
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 80 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.write('data: "');
      more();
    };
    const { ts } = await t.mention('flood me');
    await settled(t);
    const [answer] = t.slack.replies('C1', ts);
    expect(answer!.text).toContain('Before the flood.');
    expect(answer!.text).toContain('larger than 4 MB');
  });

  it('a stream that only pings is given up at the app’s maxRunMinutes, Dify is asked to stop, and the asker sees why', async () => {
    t = await startTestBridge({ patch: (c) => void (c.dify.apps['default']!.maxRunMinutes = 0.02) });
    t.dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(events.message('Thinking about it.'))}\n\n`);
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        res.write('event: ping\n\n');
        await sleep(100);
      }
      res.end();
    };
    const { ts } = await t.mention('take your time');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]?.text.includes('still running after'), 8000, 'the deadline line');
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toMatch(
      /Thinking about it\.\n\n⚠️ Dify was still running after \d+ minutes?, this app's limit \(maxRunMinutes\): the answer ends here\./,
    );
    expect(t.dify.requests.some((r) => /\/chat-messages\/[^/]+\/stop$/.test(r.path))).toBe(true);
  });
});

describe('a very long answer', () => {
  it(`shows in at most ${MAX_PAGES} messages and attaches the whole of it as ${FULL_ANSWER_FILE}`, async () => {
    t = await startTestBridge();
    const paragraph = `${'All work and no play makes a long answer. '.repeat(20)}\n\n`;
    const answer = paragraph.repeat(360);
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message(answer), events.messageEnd()]);
    const { ts } = await t.mention('write a book');
    await settled(t);
    const pages = t.slack.replies('C1', ts).filter((m) => m.text);
    expect(answer.length).toBeGreaterThan(300_000);
    expect(pages.length).toBe(MAX_PAGES);
    expect(pages.at(-1)!.text).toContain(`the whole of it is in the file ${FULL_ANSWER_FILE} in this thread`);
    const files = [...t.slack.files.values()];
    expect(files.map((f) => f.filename)).toEqual([FULL_ANSWER_FILE]);
    const whole = files[0]!.bytes.toString('utf8');
    expect(whole).toBe(answer);
  });
});

describe('files from Slack', () => {
  it('stops reading a file past its size limit even when Slack sends no Content-Length', async () => {
    let written = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const more = () => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(downloadSlackFile(`${base}files/big.pdf`, 'xoxb-test', { apiUrl: base, maxBytes: 1024 * 1024 })).rejects.toBeInstanceOf(FileRefused);
    // It stopped reading: far less than the 64 MB the server would send.
    await sleep(100);
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('secrets at rest and in logs', () => {
  it('keeps Human Input form tokens sealed in run records, and a press still answers the form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealed-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'bridge.db');
    t = await startTestBridge({ env: { STORE_URL: `sqlite:${db}` } });
    const flow = ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Approved.' });
    const { ts } = await t.mention('refund');
    const form = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => (m.blocks ?? []).some((b) => b['type'] === 'actions')), 5000, 'the form');
    await settled(t);
    const token = flow.runs[0]!.tokens[0]!;
    expect(token.length).toBeGreaterThan(8);
    const stored =
      readFileSync(db).toString('latin1') +
      (() => {
        try {
          return readFileSync(`${db}-wal`).toString('latin1');
        } catch {
          return '';
        }
      })();
    expect(stored).toContain('sealedToken');
    expect(stored).not.toContain(token);
    const actions = (form.blocks ?? []).find((b) => b['type'] === 'actions')!['elements'] as Array<Record<string, unknown>>;
    await t.press(form, String(actions[0]!['action_id']));
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]!.text.endsWith('Approved.'), 5000, 'the resumed answer');
    await settled(t);
  });

  it('never logs a workflow step token, an xwfp- token or a response_url', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('debug', { pretty: false, destination: sink });
    log.info({ event: { bot_access_token: 'xwfp-1-secret', response_url: 'https://hooks.slack.com/commands/T1/1/abc' } }, 'token xwfp-22-deadbeef in text');
    log.warn({ err: { message: 'posting to https://hooks.slack.com/actions/T1/2/xyz failed' } }, 'failed');
    const all = lines.join('');
    for (const secret of ['xwfp-1-secret', 'xwfp-22-deadbeef', 'hooks.slack.com/commands/T1', 'hooks.slack.com/actions/T1']) expect(all).not.toContain(secret);
  });
});

describe('operations endpoints', () => {
  it('with METRICS_TOKEN, /metrics needs the bearer token and /healthz tells others only whether it is ok', async () => {
    const token = 'metrics-token-0123456789';
    t = await startTestBridge({ env: { METRICS_TOKEN: token } });
    expect((await fetch(`${t.base}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${t.base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('bridge_dify_runs_total');
    const open = await fetch(`${t.base}/healthz`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ ok: true });
    const full = (await (await fetch(`${t.base}/healthz`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
    expect(full).toMatchObject({ ok: true, store: { kind: 'memory' } });
    expect(full['version']).toBeDefined();
  });
});

describe('feedback', () => {
  it('a rating is refused to someone the app is closed to, and nothing reaches Dify', async () => {
    t = await startTestBridge({
      bridgeConfig: { apps: { helpdesk: { type: 'chat', apiKey: 'app-test-key', access: { users: ['UALICE'] } } } },
      env: { DIFY_API_KEY: '' },
    });
    t.slack.users.set('UBOB', { id: 'UBOB', name: 'bob', real_name: 'Bob Stone', profile: { display_name: 'Bob' } });
    const { ts } = await t.mention('question', { user: 'UALICE' });
    await settled(t);
    const reply = t.slack.replies('C1', ts)[0]!;
    const { responseId } = await t.press(reply, 'dify_feedback', { choice: 'positive', user: 'UBOB' });
    const said = await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, 'the refusal');
    expect(said.body['text']).toBe('`helpdesk` is limited to certain people; ask the operator of this bot for access.');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/feedbacks'))).toHaveLength(0);
    await t.press(reply, 'dify_feedback', { choice: 'positive', user: 'UALICE' });
    await t.slack.waitFor(() => t!.dify.requests.find((r) => r.path.endsWith('/feedbacks')), 3000, 'the asker’s rating');
  });
});
