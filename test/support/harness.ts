import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startBridge, type RunningBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { secretsOf } from '../../src/config/secrets.js';
import type { Config } from '../../src/config/types.js';
import { FakeDify } from './fake-dify.js';
import { FakeSlack } from './fake-slack.js';
import { SIGNING_SECRET, SlackUser } from './slack-user.js';

export { SIGNING_SECRET, TEAM, sign } from './slack-user.js';

export interface TestBridge {
  bridge: RunningBridge;
  slack: FakeSlack;
  dify: FakeDify;
  logs: Array<Record<string, unknown>>;
  base: string;
  /** Posts a signed Events API envelope; returns the HTTP status and the time to the response. */
  sendEvent(...args: Parameters<SlackUser['sendEvent']>): ReturnType<SlackUser['sendEvent']>;
  mention(...args: Parameters<SlackUser['mention']>): ReturnType<SlackUser['mention']>;
  message(
    text: string,
    opts?: { channel?: string; ts?: string; threadTs?: string; user?: string; channelType?: string; extra?: Record<string, unknown> },
  ): Promise<{ ts: string; eventId: string }>;
  /** Sends a signed slash command; returns the id of its response_url at the fake. */
  command(text: string, opts?: { command?: string; channel?: string; user?: string }): Promise<{ status: number; body: string; responseId: string }>;
  /** Submits a modal the bridge opened (the last one unless given), as Slack would; returns the HTTP status and body. */
  submitView(
    values: Record<string, Record<string, unknown>>,
    opts?: { view?: Record<string, unknown>; user?: string },
  ): Promise<{ status: number; body: string }>;
  /** Presses a button (or one side of Slack's feedback buttons: `choice`) on a message. */
  press(
    message: { channel: string; ts: string; thread_ts?: string; blocks?: Array<Record<string, unknown>>; text?: string },
    actionId: string,
    opts?: { user?: string; choice?: 'positive' | 'negative'; ephemeral?: boolean },
  ): Promise<{ status: number; responseId: string }>;
  /** Sends any interaction payload, signed. */
  interact(payload: Record<string, unknown>): ReturnType<SlackUser['interact']>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBridge(
  options: {
    env?: Record<string, string>;
    patch?: (c: Config) => void;
    slack?: FakeSlack;
    dify?: FakeDify;
    bridgeConfig?: unknown;
    allowRefusals?: boolean;
  } = {},
): Promise<TestBridge> {
  const slack = options.slack ?? (await new FakeSlack().start());
  const dify = options.dify ?? (await new FakeDify().start());
  const logs: Array<Record<string, unknown>> = [];
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    DIFY_API_URL: dify.url,
    DIFY_API_KEY: dify.apiKey,
    STORE_URL: 'memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    STREAM_INTERVAL_MS: '100',
    // Tests stream fast; the shared allowance has its own tests.
    SLACK_EDITS_PER_MINUTE: '100000',
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  if (options.bridgeConfig) {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify(options.bridgeConfig));
    env.BRIDGE_CONFIG = join(dir, 'bridge.json');
  }
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  const config = result.config;
  config.stream.placeholderDelayMs = 300;
  config.difyBusyRetryMs = 100;
  options.patch?.(config);
  const sinkStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  // The production logger (its redaction included), writing into `logs`.
  const logger = createLogger(config.logLevel, { pretty: false, destination: sinkStream, secrets: secretsOf(config) });

  let bridge = await startBridge(config, logger);
  const user = new SlackUser(slack, () => `http://127.0.0.1:${bridge.port}`);
  const t: TestBridge = {
    get bridge() {
      return bridge;
    },
    slack,
    dify,
    logs,
    get base() {
      return `http://127.0.0.1:${bridge.port}`;
    },
    sendEvent: (event, opts) => user.sendEvent(event, opts),
    mention: (text, o) => user.mention(text, o),
    message: (text, o) => user.message(text, o),
    command: (text, o) => user.command(text, o),
    submitView: (values, o) => user.submitView(values, o),
    press: (message, actionId, o) => user.press(message, actionId, o),
    interact: (payload) => user.interact(payload),
    async restart() {
      await bridge.stop();
      bridge = await startBridge(config, logger);
    },
    async close() {
      await bridge.stop();
      if (!options.slack) await slack.close();
      if (!options.dify) await dify.close();
      // Whatever a test checks, the bridge never sent what the real services refuse.
      if (!options.allowRefusals) {
        if (slack.refusals.length)
          throw new Error(`Slack would refuse what the bridge sent:\n${slack.refusals.flatMap((r) => [r.error, ...r.messages]).join('\n')}`);
        if (dify.refusals.length) throw new Error(`Dify would refuse what the bridge sent:\n${dify.refusals.join('\n')}`);
      }
      if (slack.lookProblems.length) throw new Error(`What the bridge showed reads wrong in Slack:\n${slack.lookProblems.join('\n')}`);
    },
  };
  return t;
}

/**
 * Waits until every accepted message has been answered. Bolt acks before it runs listeners,
 * so a short pause first lets the listener of a just-acked event enqueue its work.
 */
export async function settled(t: TestBridge): Promise<void> {
  do {
    await new Promise((r) => setTimeout(r, 40));
    await t.bridge.idle();
  } while (t.bridge.chat.runs.active > 0 || t.bridge.commands.runs.active > 0);
}
