import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeError } from '../../core/log-fields.js';
import type { InstallationVault } from '../oauth/installation-vault.js';
import type { InstalledWorkspaces } from '../workspaces.js';

const revokedSchema = z.looseObject({ tokens: z.looseObject({ bot: z.array(z.string()).optional() }).optional() });

/**
 * Multi-workspace mode: a workspace that uninstalls the app (app_uninstalled), or revokes its
 * bot token (tokens_revoked), has its installation deleted from the store at once.
 */
export function registerUninstall(app: App, vault: InstallationVault, workspaces: InstalledWorkspaces, logger: Logger): void {
  const forget = async (teamId: string | undefined, enterpriseId: string | undefined, isEnterpriseInstall: boolean, why: string) => {
    if (!teamId && !enterpriseId) return;
    try {
      await vault.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall });
      if (teamId) workspaces.forget(teamId);
    } catch (err) {
      logger.error({ team: teamId, err: describeError(err) }, `could not delete the installation after ${why}`);
    }
  };
  app.event('app_uninstalled', async ({ context }) => {
    await forget(context.teamId, context.enterpriseId, context.isEnterpriseInstall === true, 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ event, context }) => {
    // Only the bot token matters to the bridge; revoked user tokens change nothing.
    const parsed = revokedSchema.safeParse(event);
    if (parsed.success && (parsed.data.tokens?.bot?.length ?? 0) > 0) {
      await forget(context.teamId, context.enterpriseId, context.isEnterpriseInstall === true, 'tokens_revoked');
    }
  });
}
