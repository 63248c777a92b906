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
      '  ✗ PORT: is out of range (expected a TCP port, 0 to 65535)',
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
    expect(r.stderr.trim()).toBe('✗ Slack rejected SLACK_BOT_TOKEN: copy the Bot User OAuth Token again.');
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
    expect(r.stderr.trim()).toBe(`✗ Port ${port} is in use: set PORT to a free port.`);
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
