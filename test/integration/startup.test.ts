import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDify } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { ENTRY, runEntry } from '../support/run-entry.js';

let slack: FakeSlack;
let dify: FakeDify;
let cwd: string;

beforeAll(async () => {
  slack = await new FakeSlack().start();
  dify = await new FakeDify().start();
  cwd = mkdtempSync(join(tmpdir(), 'start-'));
});
afterAll(async () => {
  await slack.close();
  await dify.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** Runs `src/main.ts` like `npm start` does, in a clean environment; stops it once `until` shows up. */
const run = (env: Record<string, string>, until?: RegExp) => runEntry(ENTRY.main, { cwd, env, ...(until ? { until } : {}) });

const noStack = (s: string) => expect(s).not.toMatch(/^\s+at /m);

describe('start-up', () => {
  it('prints one line per configuration problem and exits 1, without a stack trace', async () => {
    const r = await run({ SLACK_BOT_TOKEN: 'nope', PORT: '99999' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/cannot start/);
    expect(lines.slice(1)).toEqual([
      '  ✗ SLACK_BOT_TOKEN: does not look like a bot token (expected a value starting with xoxb-)',
      '  ✗ PORT: 99999 is out of range (expected a TCP port, 0 to 65535)',
      '  ✗ SLACK_SIGNING_SECRET: is not set (expected the signing secret from Basic Information; or set SLACK_APP_TOKEN for Socket Mode)',
      '  ✗ DIFY_API_KEY: is not set (expected a Dify chat app API key, or BRIDGE_CONFIG naming your apps)',
    ]);
    noStack(r.stderr);
  });

  it('says in one line that Slack rejected the token', async () => {
    const r = await run({
      SLACK_BOT_TOKEN: 'xoxb-revoked',
      SLACK_SIGNING_SECRET: 's',
      DIFY_API_KEY: 'k',
      SLACK_API_URL: slack.url,
      STORE_URL: 'memory:',
      PORT: '0',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "✗ Slack rejected SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page again.",
    );
  });

  it('says in one line that Slack cannot be reached, and where to look (not slack_webapi_request_error)', async () => {
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await run({
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_SIGNING_SECRET: 's',
      DIFY_API_KEY: 'k',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      STORE_URL: 'memory:',
      PORT: '0',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `✗ Slack's Web API did not answer (ECONNREFUSED): check the network to http://127.0.0.1:${port}/api/ (SLACK_API_URL); npm run doctor checks every connection.`,
    );
    noStack(r.stderr + r.stdout);
  });

  it('says in one line that the port is taken', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = String((busy.address() as { port: number }).port);
    const r = await run({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 's',
      DIFY_API_KEY: 'k',
      SLACK_API_URL: slack.url,
      STORE_URL: 'memory:',
      PORT: port,
      HOST: '127.0.0.1',
    });
    busy.close();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`✗ Port ${port} is in use: set PORT to a free port (or stop what listens there).`);
  });

  it('reads .env from the working directory, runs, and exits cleanly on SIGTERM', async () => {
    writeFileSync(
      join(cwd, '.env'),
      [
        `SLACK_BOT_TOKEN=${slack.token}`,
        'SLACK_SIGNING_SECRET=from-dotenv',
        `SLACK_API_URL=${slack.url}`,
        `DIFY_API_URL=${dify.url}`,
        `DIFY_API_KEY=${dify.apiKey}`,
        `STORE_URL=sqlite:${join(cwd, 'data', 'b.db')}`,
        'PORT=0',
        'HOST=127.0.0.1',
      ].join('\n'),
    );
    const r = await run({}, /Routing: /);
    rmSync(join(cwd, '.env'));
    expect(r.stdout).toMatch(/Dify bridge running: HTTP on 127\.0\.0\.1:\d+/);
    // Which app answers a mention, said once at start-up.
    expect(r.stdout).toContain('Routing: mentions and DMs → chat app `default` (DIFY_API_KEY); commands: /dify');
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(slack.token);
    expect(r.stdout + r.stderr).not.toContain(dify.apiKey);
  });

  it('asks each Dify app for its form once at start, and names a wrong key and a DIFY_API_URL without /v1, then runs anyway', async () => {
    const base = dify.url.replace(/\/v1$/, '');
    writeFileSync(
      join(cwd, 'apps.json'),
      JSON.stringify({
        apps: {
          default: { type: 'chat', apiKey: dify.apiKey },
          wrongkey: { type: 'chat', apiKey: 'app-not-this-one' },
          nov1: { type: 'chat', apiKey: dify.apiKey, apiUrl: base },
        },
      }),
    );
    const before = dify.requests.filter((r) => r.path === '/v1/parameters').length;
    const r = await run(
      {
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: slack.url,
        DIFY_API_URL: dify.url,
        BRIDGE_CONFIG: join(cwd, 'apps.json'),
        STORE_URL: 'memory:',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      /(?=[\s\S]*rejected the API key)(?=[\s\S]*usually ends in)/,
    );
    const warnings = r.stdout.split('\n').filter((l) => l.includes('"level":40'));
    expect(warnings.map((l) => (JSON.parse(l) as { msg: string }).msg).sort()).toEqual([
      `Dify app "nov1": ${base} does not serve Dify's API (HTTP 404): DIFY_API_URL usually ends in /v1 (try ${base}/v1, as on the app's "API Access" page)`,
      `Dify rejected the API key of app "wrongkey": copy the key from the app's "API Access" page in Dify into apps.wrongkey.apiKey in BRIDGE_CONFIG`,
    ]);
    // It started regardless (Dify may be fixed while it runs); each app under /v1 was asked once.
    expect(r.stdout).toMatch(/Dify bridge running/);
    expect(r.code).toBe(0);
    expect(dify.requests.filter((q) => q.path === '/v1/parameters').length - before).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(dify.apiKey);
  });

  it('warns at start-up when no chat app answers mentions, and says what to set', async () => {
    writeFileSync(
      join(cwd, 'bridge.json'),
      JSON.stringify({ apps: { sales: { type: 'chat', apiKey: 'k1' }, hr: { type: 'chat', apiKey: 'k2' } }, chat: { channels: { C0123: 'sales' } } }),
    );
    const r = await run(
      {
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: slack.url,
        DIFY_API_URL: dify.url,
        BRIDGE_CONFIG: join(cwd, 'bridge.json'),
        STORE_URL: 'memory:',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      /Routing: no chat app/,
    );
    expect(r.stdout).toContain('Routing: mentions and DMs → no chat app; #C0123 → `sales`; commands: /dify');
    expect(r.stdout).toContain(
      'Routing: no chat app answers mentions and DMs outside the routed channels: 2 chat apps (sales, hr) and no chat.default; set \\"chat\\": {\\"default\\": \\"sales\\"}',
    );
  });
});
