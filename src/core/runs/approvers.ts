import type { Approvers } from '../../config/types.js';

/** Reads a user group's members (undefined: Slack could not say). */
export type GroupMembers = (group: string) => Promise<string[] | undefined>;

const isGroup = (entry: string) => entry.startsWith('S') || entry.startsWith('@');

/**
 * Whether `userId` may answer a form of a run `askerId` started. A group Slack cannot read
 * (no scope, free plan) lets nobody in through it: refusing is the safe side.
 */
export async function mayAnswer(approvers: Approvers, askerId: string, userId: string, members: GroupMembers): Promise<boolean> {
  if (approvers === 'anyone') return true;
  // A run nobody in particular started (a Workflow Builder step without a person) is anyone's to answer.
  if (approvers === 'asker') return askerId === '' || userId === askerId;
  if (approvers.includes(userId)) return true;
  for (const group of approvers.filter(isGroup)) {
    if ((await members(group).catch(() => undefined))?.includes(userId)) return true;
  }
  return false;
}

/** Who may answer, as Slack mrkdwn: "<@U1>", "<@U1>, <!subteam^S1> or @oncall", "anyone in this channel". */
export function describeApprovers(approvers: Approvers, askerId: string): string {
  if (approvers === 'anyone' || (approvers === 'asker' && askerId === '')) return 'anyone who can see this';
  const names = (approvers === 'asker' ? [askerId] : approvers).map((a) => (a.startsWith('@') ? `*${a}*` : a.startsWith('S') ? `<!subteam^${a}>` : `<@${a}>`));
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
