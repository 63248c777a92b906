/** The part of a configuration the commands come from (the config file's apps, or the loaded config's). */
interface AppCommands {
  apps: Record<string, { type: string; command?: string | undefined; description?: string | undefined; annotations?: unknown }>;
  shortcuts?: { summarize?: string | undefined } | undefined;
}

/** The message shortcuts the bridge serves (callback ids as its listeners know them). */
export const ASK_SHORTCUT_ENTRY = {
  name: 'Ask Dify about this',
  type: 'message',
  callback_id: 'dify_ask',
  description: 'Ask a Dify app a question about this message; the answer goes into its thread',
} as const;
export const SAVE_SHORTCUT_ENTRY = {
  name: 'Save as approved answer',
  type: 'message',
  callback_id: 'dify_save_answer',
  description: "Save this answer as the Dify app's approved answer to its question (editors only)",
} as const;
export const SUMMARIZE_SHORTCUT_ENTRY = {
  name: 'Summarize thread',
  type: 'message',
  callback_id: 'dify_summarize',
  description: 'Post a summary of this thread, written by a Dify app',
} as const;

/** manifest.json asking for exactly the optional scopes a configuration needs (the others stay as they are). */
export function withOptionalScopes(manifest: Record<string, any>, optional: Array<{ scope: string; wanted: boolean }>): Record<string, any> {
  const bot: string[] = manifest.oauth_config?.scopes?.bot ?? [];
  const drop = new Set(optional.filter((o) => !o.wanted).map((o) => o.scope));
  const scopes = [...bot.filter((s) => !drop.has(s)), ...optional.filter((o) => o.wanted && !bot.includes(o.scope)).map((o) => o.scope)];
  return { ...manifest, oauth_config: { ...manifest.oauth_config, scopes: { ...manifest.oauth_config?.scopes, bot: scopes } } };
}

export interface SlashCommand {
  command: string;
  url?: string;
  description: string;
  usage_hint?: string;
  should_escape?: boolean;
}

/**
 * manifest.json with its slash_commands rebuilt from the bridge's configuration: `/dify`
 * plus each app's own command, all pointing at the URL `/dify` already uses; and its message
 * shortcuts: "Ask Dify about this", and "Summarize thread" when `shortcuts.summarize` names an app.
 */
export function withSlashCommands(manifest: Record<string, any>, config: AppCommands): Record<string, any> {
  const existing: SlashCommand[] = manifest.features?.slash_commands ?? [];
  const url = existing.find((c) => c.command === '/dify')?.url ?? manifest.settings?.event_subscriptions?.request_url;
  const entry = (c: Omit<SlashCommand, 'url' | 'should_escape'>): SlashCommand => ({ ...c, ...(url ? { url } : {}), should_escape: false });
  const commands: SlashCommand[] = [
    entry({ command: '/dify', description: 'Run a Dify workflow or completion app, or list the apps', usage_hint: '[app] [text] [key=value …]' }),
  ];
  for (const [name, app] of Object.entries(config.apps)) {
    if (!app.command) continue;
    const about = app.description ? `: ${app.description}` : '';
    commands.push(
      entry({ command: app.command, description: `Run the Dify ${app.type} app "${name}"${about}`.slice(0, 2000), usage_hint: '[text] [key=value …]' }),
    );
  }
  const shortcuts = [
    ASK_SHORTCUT_ENTRY,
    ...(config.shortcuts?.summarize ? [SUMMARIZE_SHORTCUT_ENTRY] : []),
    ...(Object.values(config.apps).some((a) => a.annotations !== undefined) ? [SAVE_SHORTCUT_ENTRY] : []),
  ];
  return { ...manifest, features: { ...manifest.features, slash_commands: commands, shortcuts } };
}
