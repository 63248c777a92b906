import { startBridge, type RunningBridge } from './bridge.js';
import { readEnvironment } from './config/env.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './logger.js';
import { secretsOf } from './config/secrets.js';
import { describeRouting } from './config/routing.js';
import { checkAppsAtStart } from './ops/dify-app-checks.js';
import { describeStartFailure } from './ops/start-failure.js';

// `npm start -- --doctor`: check everything, start nothing.
if (process.argv.includes('--doctor')) {
  const { doctorCli } = await import('./ops/doctor-cli.js');
  process.exit(await doctorCli(readEnvironment(), (line) => process.stdout.write(`${line}\n`)));
}

const result = loadConfig(readEnvironment());
if (!result.ok) {
  process.stderr.write('The bridge cannot start; fix its configuration (.env or BRIDGE_CONFIG):\n');
  for (const problem of result.problems) process.stderr.write(`  ✗ ${problem}\n`);
  process.exit(1);
}
const config = result.config;
const logger = createLogger(config.logLevel, { secrets: secretsOf(config) });

// Installed before anything is announced, so a signal never meets Node's default (instant death).
let bridge: RunningBridge | undefined;
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  if (!bridge) process.exit(0);
  logger.info(`${signal} received: finishing running answers (up to ${config.shutdownTimeoutMs / 1000} s), then exiting`);
  bridge.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  bridge = await startBridge(config, logger);
  const transport = config.slack.appToken ? 'Socket Mode' : `HTTP on ${config.server.host}:${bridge.port} (Slack requests at /slack/events)`;
  const mode = config.slack.oauth ? `${transport}; workspaces install at /slack/install` : transport;
  logger.info({ apps: Object.keys(config.dify.apps), store: config.store.url.split(':')[0] }, `Dify bridge running: ${mode}`);
  const routing = describeRouting(config);
  logger.info(`Routing: ${routing.line}`);
  if (routing.problem) logger.warn(`Routing: ${routing.problem.what}; ${routing.problem.fix}`);
  // After listening, so Slack's retries meet a live server while Dify is asked.
  for (const line of await checkAppsAtStart(config)) logger.warn(line);
} catch (err) {
  // One line for the operator, no stack trace.
  const hint = describeStartFailure(err, config);
  process.stderr.write(`  ✗ ${hint}\n`);
  process.exit(1);
}
