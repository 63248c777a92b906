import type { Config } from './types.js';

/** Every secret in the configuration, so logs and diagnostics can blank them wherever they appear. */
export function secretsOf(config: Config): string[] {
  const values = [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.extension.apiKey,
    config.slack.oauth?.clientSecret,
    config.slack.oauth?.stateSecret,
    ...Object.values(config.dify.apps).map((a) => a.apiKey),
  ];
  for (const key of [config.slack.oauth?.encryptionKey, config.slack.oauth?.previousKey]) if (key) values.push(key.toString('hex'), key.toString('base64'));
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
}
