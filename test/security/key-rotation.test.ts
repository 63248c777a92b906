import { randomBytes } from 'node:crypto';
import type { Installation } from '@slack/bolt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { InstallationVault } from '../../src/slack/oauth/installation-vault.js';
import { keyRing } from '../../src/slack/oauth/seal.js';
import { MemoryStore } from '../../src/store/memory-store.js';

// SECURITY.md: SLACK_ENCRYPTION_KEY can be rotated without reinstalling every workspace.
const installation = {
  team: { id: 'T9', name: 'Acme' },
  enterprise: undefined,
  isEnterpriseInstall: false,
  bot: { token: 'xoxb-9-secret', scopes: ['chat:write'], id: 'B9', userId: 'U9BOT' },
  user: { token: undefined, scopes: undefined, id: 'U9' },
  authVersion: 'v2',
} as unknown as Installation<'v2', false>;
const query = { teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false };

describe('rotating SLACK_ENCRYPTION_KEY', () => {
  it('reads installations sealed under the previous key, seals them again under the new one, and then needs only the new one', async () => {
    const store = new MemoryStore();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const silent = pino({ level: 'silent' });
    await new InstallationVault(store, keyRing([oldKey]), silent).storeInstallation(installation);
    const sealedBefore = await store.getRecord('installation:T:T9');
    expect(sealedBefore).not.toContain('xoxb-9-secret');

    // Without the previous key the record does not open.
    await expect(new InstallationVault(store, keyRing([newKey]), silent).fetchInstallation(query)).rejects.toThrow(/cannot be decrypted/);
    // With it, it opens, and is sealed again under the new key.
    const rotated = await new InstallationVault(store, keyRing([newKey, oldKey]), silent).fetchInstallation(query);
    expect(rotated.bot?.token).toBe('xoxb-9-secret');
    expect(await store.getRecord('installation:T:T9')).not.toBe(sealedBefore);
    const after = await new InstallationVault(store, keyRing([newKey]), silent).fetchInstallation(query);
    expect(after.bot?.token).toBe('xoxb-9-secret');
    await store.close();
  });

  it('takes SLACK_ENCRYPTION_KEY_PREVIOUS from the environment, and refuses one that is not a key', () => {
    const base = {
      SLACK_CLIENT_ID: '1.2',
      SLACK_CLIENT_SECRET: 'client-secret-0123',
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      SLACK_SIGNING_SECRET: 'signing',
      SLACK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DIFY_API_KEY: 'app-x',
      STORE_URL: 'memory:',
    };
    const previous = randomBytes(32);
    const ok = loadConfig({ ...base, SLACK_ENCRYPTION_KEY_PREVIOUS: previous.toString('hex') });
    expect(ok.ok && ok.config.slack.oauth?.previousKey?.equals(previous)).toBe(true);
    const bad = loadConfig({ ...base, SLACK_ENCRYPTION_KEY_PREVIOUS: 'short' });
    expect(bad.ok ? [] : bad.problems).toEqual([expect.stringMatching(/^SLACK_ENCRYPTION_KEY_PREVIOUS: is not a 32-byte key/)]);
  });
});
