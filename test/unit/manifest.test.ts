import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { manifestSchemaV1 } from '../support/manifest-schema.js';

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as Record<string, any>;

describe('manifest.json', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(manifestSchemaV1);

  it('is valid under the rules of Slack\'s manifest schema (v1)', () => {
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail: it rejects unknown keys, a long name and a command without a slash', () => {
    expect(validate({ ...manifest, unknown_key: 1 })).toBe(false);
    expect(validate({ ...manifest, display_information: { name: 'x'.repeat(36) } })).toBe(false);
    const commands = [{ command: 'dify', description: 'x' }];
    expect(validate({ ...manifest, features: { ...manifest.features, slash_commands: commands } })).toBe(false);
  });

  it('subscribes to the events the bridge handles, with the scopes they need', () => {
    const events: string[] = manifest.settings.event_subscriptions.bot_events;
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    const needs: Record<string, string> = {
      app_mention: 'app_mentions:read',
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
      'message.im': 'im:history',
      'message.mpim': 'mpim:history',
    };
    for (const [event, scope] of Object.entries(needs)) {
      expect(events).toContain(event);
      expect(scopes).toContain(scope);
    }
    expect(scopes).toContain('chat:write');
    expect(scopes).toContain('commands');
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toContain('/dify');
  });
});
