/**
 * Every key the bridge derives from Slack identifiers comes from here, so the formats
 * (store keys, Dify user ids) cannot drift apart.
 */

/** A Slack thread, or a DM's main timeline (threadTs ''). */
export interface ThreadRef {
  teamId: string;
  channelId: string;
  threadTs: string;
}

const SLACK_ID = /^[A-Za-z0-9._-]*$/;

function checkPart(part: string): string {
  if (!SLACK_ID.test(part)) throw new Error(`Not a Slack identifier: ${JSON.stringify(part)}`);
  return part;
}

export function encodeThreadKey(ref: ThreadRef): string {
  return `thread:${checkPart(ref.teamId)}:${checkPart(ref.channelId)}:${checkPart(ref.threadTs)}`;
}

export function decodeThreadKey(key: string): ThreadRef {
  const m = /^thread:([^:]*):([^:]*):([^:]*)$/.exec(key);
  if (!m) throw new Error(`Not a thread key: ${JSON.stringify(key)}`);
  return { teamId: m[1]!, channelId: m[2]!, threadTs: m[3]! };
}

/**
 * Dify's `user` for a thread's conversation. Per thread, not per person: a Dify conversation
 * answers only the user that created it, so everyone in the thread must share one.
 */
export function difyUserForThread(ref: ThreadRef): string {
  return `slack:${checkPart(ref.teamId)}:${checkPart(ref.channelId)}:${ref.threadTs ? checkPart(ref.threadTs) : 'dm'}`;
}

/** One Slack message, however many deliveries (retries, app_mention + message) it arrives by. */
export function messageClaimKey(teamId: string, channelId: string, ts: string): string {
  return `message:${checkPart(teamId)}:${checkPart(channelId)}:${checkPart(ts)}`;
}

/** Dify's `user` for commands: per Slack user (runs are not part of a thread's conversation). */
export function difyUserForSlackUser(teamId: string, userId: string): string {
  return `slack:${checkPart(teamId)}:user:${checkPart(userId)}`;
}
