import type { ChatRouting, Config } from './types.js';

export interface RoutingSummary {
  /** "mentions and DMs → chat app `default` (DIFY_API_KEY); #C0123 → `sales`; commands: /dify". */
  line: string;
  /** Set when chat apps exist but none answers mentions outside the routed channels. */
  problem?: { what: string; fix: string };
}

/** Which app answers where, in one line for the start-up log and the doctor. */
export function describeRouting(config: Pick<Config, 'chat' | 'dify' | 'workspaces'>): RoutingSummary {
  const chatApps = Object.entries(config.dify.apps)
    .filter(([, a]) => a.type === 'chat')
    .map(([n]) => n);
  const commands = ['/dify', ...Object.values(config.dify.apps).flatMap((a) => (a.command ? [a.command] : []))];
  const parts = [describeChat(config.chat, 'mentions and DMs')];
  for (const [team, w] of Object.entries(config.workspaces)) parts.push(`workspace ${team}: ${describeChat(w.chat, 'mentions and DMs')}`);
  parts.push(`commands: ${commands.join(', ')}`);
  const line = parts.join('; ');
  if (chatApps.length === 0 || config.chat.default !== undefined) return { line };
  const routed = Object.keys(config.chat.channels).length > 0;
  return {
    line,
    problem: {
      what: `no chat app answers mentions and DMs${routed ? ' outside the routed channels' : ''}: ${chatApps.length} chat apps (${chatApps.join(', ')}) and no chat.default`,
      fix: `set "chat": {"default": "${chatApps[0]}"} in BRIDGE_CONFIG (or DIFY_API_KEY for a chat app of its own)`,
    },
  };
}

function describeChat(chat: ChatRouting, what: string): string {
  const source = chat.defaultSource ? ` (${chat.defaultSource})` : '';
  const head = chat.default ? `${what} → chat app \`${chat.default}\`${source}` : `${what} → no chat app`;
  const channels = Object.entries(chat.channels).map(([channel, app]) => `#${channel} → \`${app}\``);
  return [head, ...channels].join('; ');
}
