import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import type { Sealer } from '../../core/ports.js';

interface Known {
  botToken: string;
  botUserId?: string;
}

const recordKey = (q: { teamId?: string | undefined; enterpriseId?: string | undefined; isEnterpriseInstall?: boolean | undefined }): string => {
  if (q.isEnterpriseInstall && q.enterpriseId) return `installation:E:${q.enterpriseId}`;
  if (!q.teamId) throw new Error('an installation query without a team id');
  return `installation:T:${q.teamId}`;
};

/**
 * Bolt's installation store on top of the bridge's store: each workspace's installation (its
 * bot token included) sealed with AES-256-GCM under SLACK_ENCRYPTION_KEY, so a copy of the
 * SQLite file or the Redis data holds no usable token. Tokens in use are kept in memory.
 */
export class InstallationVault implements InstallationStore {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly store: Pick<Store, 'getRecord' | 'setRecord' | 'deleteRecord'>,
    private readonly keys: Sealer,
    private readonly logger: Logger,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const query = { teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, isEnterpriseInstall: installation.isEnterpriseInstall === true };
    const key = recordKey(query);
    await this.store.setRecord(key, this.keys.seal(JSON.stringify(installation), key));
    this.remember(key, installation);
    this.logger.info({ team: query.teamId, enterprise: query.enterpriseId }, 'Slack workspace installed the app');
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const key = recordKey(query);
    const sealed = await this.store.getRecord(key);
    if (!sealed) throw new Error(`no installation for ${key.slice('installation:'.length)}`);
    let installation: Installation<'v1' | 'v2', boolean>;
    let opened: { plaintext: string; stale: boolean };
    try {
      opened = this.keys.open(sealed, key);
      installation = JSON.parse(opened.plaintext) as Installation<'v1' | 'v2', boolean>;
    } catch {
      this.logger.error(
        { record: key },
        'an installation cannot be decrypted: was SLACK_ENCRYPTION_KEY changed without SLACK_ENCRYPTION_KEY_PREVIOUS? Reinstall the app in that workspace',
      );
      throw new Error(`installation ${key} cannot be decrypted`);
    }
    if (opened.stale) {
      // Sealed under the previous key: sealed again under the current one, so that key can go.
      await this.store.setRecord(key, this.keys.seal(opened.plaintext, key));
      this.logger.info({ record: key }, 'an installation sealed under SLACK_ENCRYPTION_KEY_PREVIOUS was sealed again under SLACK_ENCRYPTION_KEY');
    }
    this.remember(key, installation);
    return installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const key = recordKey(query);
    await this.store.deleteRecord(key);
    this.known.delete(key);
    this.logger.info({ team: query.teamId, enterprise: query.enterpriseId }, 'Slack workspace uninstalled the app; its installation was deleted');
  }

  /** The bot token of a workspace (from memory, else from the store). */
  async botToken(teamId: string): Promise<string> {
    const key = recordKey({ teamId });
    const known = this.known.get(key) ?? (await this.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false }), this.known.get(key));
    if (!known) throw new Error(`the installation of ${teamId} has no bot token`);
    return known.botToken;
  }

  /** The bot's user id in a workspace, once its installation was read. */
  botUserId(teamId: string): string | undefined {
    return this.known.get(recordKey({ teamId }))?.botUserId;
  }

  private remember(key: string, installation: Installation<'v1' | 'v2', boolean>): void {
    const token = installation.bot?.token;
    if (!token) return;
    this.known.set(key, { botToken: token, ...(installation.bot?.userId ? { botUserId: installation.bot.userId } : {}) });
  }
}
