import { readFileSync, writeFileSync } from 'node:fs';
import { bridgeFileSchema } from '../config/load.js';
import { readEnvironment } from '../config/env.js';
import { withSlashCommands } from '../slack/manifest-commands.js';

/**
 * `npm run manifest [-- path/to/bridge.json]`: rewrites manifest.json's slash_commands from
 * the configuration (the file given, else BRIDGE_CONFIG). `--check` only reports a difference.
 */
const args = process.argv.slice(2);
const check = args.includes('--check');
const path = args.find((a) => !a.startsWith('--')) ?? readEnvironment()['BRIDGE_CONFIG'];
if (!path) {
  process.stderr.write('✗ Give the configuration file: npm run manifest -- path/to/bridge.json (or set BRIDGE_CONFIG)\n');
  process.exit(1);
}
let config;
try {
  const parsed = bridgeFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  config = parsed.data;
} catch (err) {
  process.stderr.write(`✗ ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const current = readFileSync('manifest.json', 'utf8');
const next = `${JSON.stringify(withSlashCommands(JSON.parse(current), config), null, 2)}\n`;
if (check) {
  if (next !== current) {
    process.stderr.write(`✗ manifest.json's slash commands differ from ${path}: run npm run manifest -- ${path}\n`);
    process.exit(1);
  }
  process.stdout.write(`✓ manifest.json matches ${path}\n`);
} else {
  writeFileSync('manifest.json', next);
  const commands = (JSON.parse(next) as { features: { slash_commands: Array<{ command: string }> } }).features.slash_commands.map((c) => c.command);
  process.stdout.write(`✓ manifest.json now has ${commands.join(', ')}\n`);
}
