import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths that can hold secrets in any object we log; their values are replaced. */
const REDACT = [
  'token',
  'apiKey',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'stateSecret',
  'encryptionKey',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.apiKey',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.clientSecret',
  '*.stateSecret',
  '*.encryptionKey',
  '*.authorization',
  'config.headers.Authorization',
  // A workflow step's own token, and response URLs (each one lets anyone post as the bot for 30 minutes).
  'bot_access_token',
  '*.bot_access_token',
  'response_url',
  '*.response_url',
  'responseUrl',
  '*.responseUrl',
];

/** Secrets by their look, wherever they appear in a message string (a library's error text, say). */
const SECRET_TEXT =
  /\b(?:xox[abposre]-[A-Za-z0-9-]+|xwfp-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|app-[A-Za-z0-9]{12,}|dataset-[A-Za-z0-9]{12,})\b|https:\/\/hooks\.slack\.com\/(?:commands|actions|workflows|triggers)\/[^\s"',]+|(?<=\bBearer\s+)[^\s"',]+/g;

/** Replaces secrets in a string: the ones configured (`known`), and any that look like one. */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out.replace(SECRET_TEXT, '[redacted]');
}

/** Scrubs every string in a logged object (errors carry other libraries' messages). */
function scrubDeep(value: unknown, known: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value, known);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, known, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, known, depth + 1)]));
}

/**
 * JSON lines by default (one object per line, for log shippers), pretty in a terminal.
 * Object fields that hold secrets are redacted, and secret-looking strings in messages too,
 * at every level.
 */
export function createLogger(level: string, options: { pretty?: boolean; destination?: DestinationStream; secrets?: readonly string[] } = {}): Logger {
  const known = options.secrets ?? [];
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const destination = options.destination;
  const pinoOptions = {
    level,
    base: { service: 'dify-slack-bridge' },
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { log: (object: Record<string, unknown>) => scrubDeep(object, known) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrubSecrets(a, known) : a)),
        );
      },
    },
  };
  if (destination) return pino(pinoOptions, destination);
  return pino({ ...pinoOptions, ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } } : {}) });
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
