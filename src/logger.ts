import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { pino, type Logger } from 'pino';

/** Paths that can hold secrets in any object we log; their values are replaced. */
const REDACT = [
  'token',
  'apiKey',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.apiKey',
  '*.authorization',
  'config.headers.Authorization',
];

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  return pino({
    level,
    base: { service: 'dify-slack-bridge' },
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}

/** Bolt's logger interface on top of pino, so the bridge writes one log format. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const join = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = 'info' as LogLevel;
  return {
    debug: (...m: unknown[]) => child.debug(join(m)),
    info: (...m: unknown[]) => child.info(join(m)),
    warn: (...m: unknown[]) => child.warn(join(m)),
    error: (...m: unknown[]) => child.error(join(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
