import type { SlackDirectory } from '../ports.js';
import type { RunOrigin } from './workspace-finder.js';

/**
 * Inputs the bridge fills in every Dify run whose app declares them in its user_input_form;
 * Dify sends them back to the extension route, which is how it knows the thread.
 */
export const SLACK_CONTEXT_VARIABLES = ['slack_team_id', 'slack_channel_id', 'slack_thread_ts', 'slack_user_id', 'slack_user_name'] as const;
export type SlackContextVariable = (typeof SLACK_CONTEXT_VARIABLES)[number];
export const isSlackContextVariable = (v: string): v is SlackContextVariable => (SLACK_CONTEXT_VARIABLES as readonly string[]).includes(v);

export interface SlackOrigin {
  teamId: string;
  channelId: string;
  /** '' for a DM's main timeline; absent for a command. */
  threadTs?: string;
  userId: string;
}

/** The declared slack_* inputs, filled from where the run comes from. */
export async function slackContextInputs(
  declared: readonly string[],
  origin: SlackOrigin,
  directory: SlackDirectory,
  teams: { remember(origin: RunOrigin, app: string): Promise<void> } | undefined,
  app: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // Dify will ask the extension about this thread, channel and person (for this app only), perhaps without slack_team_id.
  if (declared.length) await teams?.remember(origin, app).catch(() => undefined);
  for (const v of declared) {
    if (v === 'slack_team_id') out[v] = origin.teamId;
    else if (v === 'slack_channel_id') out[v] = origin.channelId;
    else if (v === 'slack_thread_ts' && origin.threadTs !== undefined) out[v] = origin.threadTs;
    else if (v === 'slack_user_id') out[v] = origin.userId;
    else if (v === 'slack_user_name') out[v] = (await directory.user(origin.teamId, origin.userId))?.name ?? origin.userId;
  }
  return out;
}
