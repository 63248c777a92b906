import type { Config, DifyAppConfig } from '../config/types.js';

/** A bot scope, and what stops working without it. */
export interface ScopeNeed {
  scope: string;
  feature: string;
  /** Whether this configuration uses the feature. */
  needed(config: Config): boolean;
  /** Asked for only by configurations that use it (npm run manifest adds or removes it). */
  optional?: true;
  /** Without it the feature falls back to this (a note in the doctor, not a failure). */
  fallback?: string;
}

/** Some app names a user group: in its access rule, or as approvers of its Human Input forms. */
export function usesUserGroups(apps: Record<string, Pick<DifyAppConfig, 'access' | 'humanInput'>>): boolean {
  return Object.values(apps).some(
    (a) =>
      (a.access?.userGroups?.length ?? 0) > 0 ||
      (Array.isArray(a.humanInput?.approvers) && a.humanInput.approvers.some((x) => x.startsWith('S') || x.startsWith('@'))),
  );
}

const chatOn = (c: Config) => c.chat.default !== undefined || Object.keys(c.chat.channels).length > 0;

/** Every bot scope the bridge uses (manifest.json asks for all but the optional ones, which npm run manifest adds when a configuration needs them). */
export const SCOPE_NEEDS: readonly ScopeNeed[] = [
  { scope: 'chat:write', feature: 'posting and editing answers', needed: () => true },
  { scope: 'commands', feature: 'the /dify slash command', needed: () => true },
  { scope: 'app_mentions:read', feature: 'answering @mentions', needed: chatOn },
  { scope: 'channels:history', feature: 'follow-ups in threads of public channels', needed: chatOn },
  { scope: 'groups:history', feature: 'follow-ups in threads of private channels', needed: chatOn },
  { scope: 'im:history', feature: 'direct messages with the bot', needed: chatOn },
  { scope: 'mpim:history', feature: 'group direct messages', needed: chatOn },
  { scope: 'files:read', feature: 'files attached to messages and forms', needed: () => true },
  { scope: 'files:write', feature: 'files Dify produces, uploaded into threads', needed: () => true },
  { scope: 'users:read', feature: "people's names in thread transcripts and slack_user", needed: () => true },
  { scope: 'channels:read', feature: 'slack_channel for public channels', needed: () => true },
  { scope: 'groups:read', feature: 'slack_channel for private channels', needed: () => true },
  {
    scope: 'usergroups:read',
    feature: 'user groups in access rules and as approvers of Human Input forms',
    needed: (c) => usesUserGroups(c.dify.apps),
    optional: true,
  },
  {
    scope: 'im:write',
    feature: "Workflow Builder steps asking their 'Run for' person in a DM",
    needed: (c) => Object.values(c.dify.apps).some((a) => a.workflowStep !== undefined),
    optional: true,
  },
  {
    scope: 'chat:write.customize',
    feature: "each app's own name and icon on its answers",
    needed: (c) => Object.values(c.dify.apps).some((a) => a.persona !== false),
    fallback: "answers carry the bot's name and icon",
  },
  {
    scope: 'assistant:write',
    feature: 'native streaming, status lines and suggested prompts',
    needed: (c) => c.stream.mode === 'auto' || c.stream.mode === 'native',
  },
];

/** A bot event subscription, and what stops working without it. */
export interface EventNeed {
  event: string;
  feature: string;
  needed(config: Config): boolean;
}

/** Every bot event the bridge handles (manifest.json subscribes to all of them). */
export const EVENT_NEEDS: readonly EventNeed[] = [
  { event: 'app_mention', feature: 'answering @mentions', needed: chatOn },
  { event: 'message.channels', feature: 'follow-ups in threads of public channels', needed: chatOn },
  { event: 'message.groups', feature: 'follow-ups in threads of private channels', needed: chatOn },
  { event: 'message.im', feature: 'direct messages with the bot', needed: chatOn },
  { event: 'message.mpim', feature: 'group direct messages', needed: chatOn },
  { event: 'app_home_opened', feature: 'the greeting and suggested prompts of a new DM', needed: chatOn },
  {
    event: 'agent_session_stopped',
    feature: "Slack's own stop button on streamed answers",
    needed: (c) => c.stream.mode === 'auto' || c.stream.mode === 'native',
  },
  {
    event: 'agent_session_title_changed',
    feature: 'a session renamed in Slack renaming its Dify conversation',
    needed: (c) => c.stream.mode === 'auto' || c.stream.mode === 'native',
  },
  { event: 'app_uninstalled', feature: 'forgetting a workspace that uninstalls the app', needed: (c) => c.slack.oauth !== undefined },
  { event: 'tokens_revoked', feature: 'forgetting a workspace whose token is revoked', needed: (c) => c.slack.oauth !== undefined },
];
