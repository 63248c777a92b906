import { readFileSync, writeFileSync } from 'node:fs';
import { bridgeFileSchema } from '../config/load.js';
import { readEnvironment } from '../config/env.js';
import { withOptionalScopes, withSlashCommands } from '../slack/manifest-commands.js';
import { SCOPE_NEEDS, usesUserGroups } from '../ops/scope-needs.js';

/**
 * `npm run manifest [-- path/to/bridge.json] [--manifest FILE] [--check]`: rewrites the
 * manifest's slash_commands (and its optional scopes, usergroups:read) from the configuration (the file given, else BRIDGE_CONFIG, else
 * the default configuration: `/dify` alone). `--check` only reports a difference.
 */
const args = process.argv.slice(2);
const check = args.includes('--check');
const manifestAt = args.indexOf('--manifest');
const manifestPath = manifestAt >= 0 ? args[manifestAt + 1] : 'manifest.json';
if (!manifestPath || manifestPath.startsWith('--')) fail('--manifest needs a file: npm run manifest -- --manifest path/to/manifest.json');
const path = args.find((a, i) => !a.startsWith('--') && i !== manifestAt + 1) ?? readEnvironment()['BRIDGE_CONFIG'];
let config: {
  apps: Record<
    string,
    {
      type: string;
      command?: string | undefined;
      description?: string | undefined;
      access?: { userGroups?: string[] | undefined } | undefined;
      humanInput?: { approvers: 'asker' | 'anyone' | string[] } | undefined;
    }
  >;
} = { apps: {} };
if (path) {
  try {
    const parsed = bridgeFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    config = parsed.data;
  } catch (err) {
    fail(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const source = path ?? 'the default configuration';
let current: string;
try {
  current = readFileSync(manifestPath, 'utf8');
} catch {
  fail(`${manifestPath} cannot be read (run this from the bridge's directory, or give --manifest FILE)`);
}
// The only optional scope today is usergroups:read, asked for when an app names a user group.
const groups = usesUserGroups(
  Object.fromEntries(
    Object.entries(config.apps).map(([n, a]) => [
      n,
      {
        ...(a.access?.userGroups ? { access: { userGroups: a.access.userGroups, guests: false, external: false } } : {}),
        ...(a.humanInput ? { humanInput: a.humanInput } : {}),
      },
    ]),
  ),
);
const optional = SCOPE_NEEDS.filter((n) => n.optional).map((n) => ({ scope: n.scope, wanted: n.scope === 'usergroups:read' && groups }));
const next = `${JSON.stringify(withOptionalScopes(withSlashCommands(JSON.parse(current!) as Record<string, any>, config), optional), null, 2)}\n`;
if (check) {
  if (next !== current!)
    fail(
      `${manifestPath}'s slash commands or scopes differ from ${source}: run npm run manifest -- ${path ?? ''}${manifestAt >= 0 ? ` --manifest ${manifestPath}` : ''}`.replace(
        / +$/,
        '',
      ),
    );
  process.stdout.write(`✓ ${manifestPath} matches ${source}\n`);
} else {
  writeFileSync(manifestPath, next);
  const commands = (JSON.parse(next) as { features: { slash_commands: Array<{ command: string }> } }).features.slash_commands.map((c) => c.command);
  process.stdout.write(`✓ ${manifestPath} now has ${commands.join(', ')} (from ${source}); paste it into your app's settings at api.slack.com/apps\n`);
}

function fail(line: string): never {
  process.stderr.write(`✗ ${line}\n`);
  process.exit(1);
}
