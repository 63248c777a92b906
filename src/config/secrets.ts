import type { Config } from './types.js';

/** Every secret in the configuration, so logs and diagnostics can blank them wherever they appear. */
export function secretsOf(config: Config): string[] {
  const values = [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.extension.apiKey,
    ...Object.values(config.dify.apps).map((a) => a.apiKey),
  ];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
}
