import type { Config } from '../config/types.js';
import { withSlashCommands, type SlashCommand } from '../slack/manifest-commands.js';
import { EVENT_NEEDS, SCOPE_NEEDS } from './scope-needs.js';
import type { Check } from './doctor.js';

const pass = (what: string): Check => ({ ok: true, what });
const fail = (what: string, fix: string): Check => ({ ok: false, what, fix });
const note = (what: string): Check => ({ ok: true, note: true, what });

const REGENERATE = "run npm run manifest (with your BRIDGE_CONFIG), then paste manifest.json into your app's settings at api.slack.com/apps";

/**
 * manifest.json against what this configuration serves. Only what breaks something fails:
 * a command missing or not served, a command URL that is not the bridge's Slack events URL,
 * a scope or event missing. Wording (descriptions, usage hints, escaping) is a note.
 */
export function checkManifest(config: Config, manifestText: string | undefined): Check[] {
  if (manifestText === undefined) return [fail('manifest.json not found', "run the doctor from the bridge's directory (where manifest.json is)")];
  let manifest: Record<string, any>;
  try {
    manifest = JSON.parse(manifestText) as Record<string, any>;
  } catch {
    return [fail('manifest.json is not valid JSON', 'restore it from the repository')];
  }
  const checks: Check[] = [];
  const has: SlashCommand[] = manifest['features']?.['slash_commands'] ?? [];
  const wanted: SlashCommand[] = withSlashCommands(manifest, { apps: config.dify.apps })['features']['slash_commands'];
  const byName = new Map(has.map((c) => [c.command, c]));
  const served = new Set(wanted.map((c) => c.command));
  // The bridge's own Slack URL, when the manifest names one (Socket Mode apps have none).
  const eventsUrl: string | undefined = config.slack.appToken ? undefined : manifest['settings']?.['event_subscriptions']?.['request_url'];
  let broken = false;
  for (const want of wanted) {
    const got = byName.get(want.command);
    if (!got) {
      broken = true;
      checks.push(fail(`manifest.json lacks ${want.command}, which ${appOf(config, want.command)} uses`, REGENERATE));
      continue;
    }
    if (eventsUrl && got.url !== eventsUrl) {
      broken = true;
      checks.push(
        fail(
          `manifest.json: ${want.command} has url ${got.url ?? '(none)'}, expected ${eventsUrl} (the bridge's Slack events URL)`,
          `set the command's url to ${eventsUrl}, or ${REGENERATE}`,
        ),
      );
    }
    const cosmetic = (['description', 'usage_hint', 'should_escape'] as const).filter((field) => (got[field] ?? null) !== (want[field] ?? null));
    for (const field of cosmetic) {
      checks.push(
        note(
          `manifest.json: ${want.command} ${field} is ${JSON.stringify(got[field] ?? null)}, npm run manifest would write ${JSON.stringify(want[field] ?? null)} (cosmetic, nothing breaks)`,
        ),
      );
    }
  }
  for (const got of has) {
    if (served.has(got.command)) continue;
    broken = true;
    checks.push(
      fail(
        `manifest.json has ${got.command}, which this bridge does not serve (Slack shows it; it answers "not set up")`,
        `add "command": "${got.command}" to an app in BRIDGE_CONFIG, or ${REGENERATE}`,
      ),
    );
  }
  if (!broken) checks.push(pass(`manifest.json: slash commands ${wanted.map((c) => c.command).join(', ')} match the configuration`));

  const asked: string[] = manifest['oauth_config']?.['scopes']?.['bot'] ?? [];
  for (const need of SCOPE_NEEDS.filter((n) => n.needed(config) && !asked.includes(n.scope))) {
    checks.push(
      fail(
        `manifest.json does not ask for scope ${need.scope}: ${need.feature} will not work`,
        `add "${need.scope}" to oauth_config.scopes.bot (the repository's manifest.json has it), then reinstall the app`,
      ),
    );
  }
  const events: string[] = manifest['settings']?.['event_subscriptions']?.['bot_events'] ?? [];
  for (const need of EVENT_NEEDS.filter((n) => n.needed(config) && !events.includes(n.event))) {
    checks.push(
      fail(
        `manifest.json does not subscribe to ${need.event}: ${need.feature} will not work`,
        `add "${need.event}" to settings.event_subscriptions.bot_events (the repository's manifest.json has it)`,
      ),
    );
  }
  return checks;
}

function appOf(config: Config, command: string): string {
  if (command === '/dify') return 'every workflow and completion app';
  const name = Object.entries(config.dify.apps).find(([, a]) => a.command === command)?.[0];
  return name ? `the app "${name}"` : 'the configuration';
}
