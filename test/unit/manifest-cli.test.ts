import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENTRY, runEntry } from '../support/run-entry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = join(root, 'examples/bridge.config.json');
const commandsOf = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { features: { slash_commands: Array<{ command: string }> } }).features.slash_commands.map((c) => c.command);

/** Every `npm run manifest …` line the documentation shows, with its arguments. */
function documentedForms(): string[][] {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const forms = new Map<string, string[]>();
  for (const page of pages)
    for (const line of readFileSync(join(root, page), 'utf8').split('\n')) {
      const m = /^\s*npm run manifest(?: -- ([^#`]*))?\s*(?:#.*)?$/.exec(line);
      if (m) forms.set((m[1] ?? '').trim(), (m[1] ?? '').trim().split(/\s+/).filter(Boolean));
    }
  return [...forms.values()];
}

/** A directory like a fresh clone's, as far as the tool reads it: manifest.json and the configuration. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-cli-'));
  copyFileSync(join(root, 'manifest.json'), join(dir, 'manifest.json'));
  copyFileSync(example, join(dir, 'bridge.json'));
  return dir;
}

describe('npm run manifest, in every form the documentation shows', () => {
  it('documents the forms with a configuration file, --check and --manifest', () => {
    const forms = documentedForms().map((f) => f.join(' '));
    expect(forms).toEqual(
      expect.arrayContaining(['path/to/bridge.json', 'path/to/bridge.json --check', 'path/to/bridge.json --manifest my-manifest.json', '']),
    );
  });

  it('reads the configuration file given alone, without --manifest (it used to be ignored)', async () => {
    for (const form of documentedForms()) {
      const dir = workspace();
      const args = form.map((a) => (a === 'path/to/bridge.json' ? 'bridge.json' : a));
      const target = args.includes('--manifest') ? join(dir, args[args.indexOf('--manifest') + 1]!) : join(dir, 'manifest.json');
      if (args.includes('--manifest')) copyFileSync(join(root, 'manifest.json'), target);
      const run = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args });
      const label = `npm run manifest -- ${form.join(' ')}`;
      if (!args.includes('bridge.json')) {
        expect(run.code, label).toBe(0);
        expect(commandsOf(target), label).toEqual(['/dify']);
      } else if (args.includes('--check')) {
        expect(run.code, label).toBe(1);
        expect(run.stderr, label).toBe(
          "✗ manifest.json's slash commands, shortcuts, steps or scopes differ from bridge.json: run npm run manifest -- bridge.json\n",
        );
      } else {
        expect(run.code, `${label}: ${run.stderr}`).toBe(0);
        expect(run.stdout, label).toContain('now has /dify, /summarize (from bridge.json)');
        expect(commandsOf(target), label).toEqual(['/dify', '/summarize']);
        const again = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [...args, '--check'] });
        expect(again.stdout, label).toContain('matches bridge.json');
      }
    }
  }, 60_000);

  it('leaves the committed manifest.json byte for byte as it is, and --check passes on a fresh clone', async () => {
    const dir = workspace();
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const check = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['--check'] });
    expect(check).toMatchObject({ code: 0, stdout: '✓ manifest.json matches the default configuration\n' });
    expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [] })).code).toBe(0);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    // Prettier leaves the tool's output alone, so `npm run format` and the tool never fight over it.
    expect(readFileSync(join(root, '.prettierignore'), 'utf8').split('\n')).toContain('manifest.json');
    // A re-indented manifest still matches: --check compares what it says, not its spacing.
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(JSON.parse(before)));
    expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['--check'] })).code).toBe(0);
  }, 30_000);

  it('refuses a malformed file, a bad value and a misspelt option with one line each', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'broken.json'), '{\n  "apps": {\n    "helpdesk": {"type": "chat", "apiKey": "k"},\n  }\n}\n');
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ apps: { helpdesk: { type: 'chatbot', apiKey: 'k' } } }));
    const broken = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['broken.json'] });
    expect(broken).toMatchObject({ code: 1, stderr: '✗ broken.json is not valid JSON: line 4, column 3: Expected double-quoted property name\n' });
    const wrong = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['wrong.json'] });
    expect(wrong).toMatchObject({
      code: 1,
      stderr: '✗ wrong.json: apps.helpdesk.type: "chatbot" is not an app type (expected chat, workflow or completion)\n',
    });
    const missing = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['nowhere.json'] });
    expect(missing.stderr).toMatch(/^✗ nowhere\.json cannot be read/);
    const typo = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: ['--chek'] });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^✗ Unknown option '--chek'; usage: npm run manifest -- \[path\/to\/bridge\.json\]/);
    // Nothing was written by any of them.
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(root, 'manifest.json'), 'utf8'));
  }, 30_000);
});
