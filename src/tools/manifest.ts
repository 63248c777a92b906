import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { bridgeFileSchema, DEFAULT_DIFY_URL, expandFromEnvironment } from '../config/load.js';
import { describeIssues, parseJsonText } from '../config/describe-input.js';
import { readEnvironment } from '../config/env.js';
import type { WorkflowStepConfig } from '../config/types.js';
import { AppCatalog } from '../core/apps/app-catalog.js';
import { createDifyClient } from '../dify/client.js';
import { DifyError } from '../dify/errors.js';
import { withOptionalScopes, withSlashCommands } from '../slack/manifest-commands.js';
import { stepCallbackId, stepFunction, stepProblems, withFunctions, type StepFunction } from '../slack/manifest-functions.js';
import { SCOPE_NEEDS, usesUserGroups } from '../ops/scope-needs.js';

/**
 * `npm run manifest [-- path/to/bridge.json] [--manifest FILE] [--check]`: rewrites the
 * manifest's slash_commands, message shortcuts, optional scopes and Workflow Builder steps
 * (`functions`, from each step app's form as Dify serves it: the app's key and DIFY_API_URL
 * are read from the environment or .env) from the configuration (the file given, else
 * BRIDGE_CONFIG, else the default configuration: `/dify` alone). `--check` only reports a difference.
 */
const cli = readArguments(process.argv.slice(2));
const { check, manifestPath } = cli;
const path = cli.path || readEnvironment()['BRIDGE_CONFIG'] || undefined;
let config: {
  apps: Record<
    string,
    {
      type: string;
      command?: string | undefined;
      description?: string | undefined;
      access?: { userGroups?: string[] | undefined } | undefined;
      humanInput?: { approvers: 'asker' | 'anyone' | string[] } | undefined;
      apiKey: string;
      apiUrl?: string | undefined;
      workflowStep?: true | { title?: string | undefined; description?: string | undefined; outputs?: WorkflowStepConfig['outputs'] } | undefined;
    }
  >;
} = { apps: {} };
if (path) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    fail(`${path} cannot be read (expected a bridge configuration file, as in examples/bridge.config.json)`);
  }
  const json = parseJsonText(text);
  if (!json.ok) fail(`${path} ${json.reason}`);
  const parsed = bridgeFileSchema.safeParse(json.value, { reportInput: true });
  if (!parsed.success) fail(describeIssues(`${path}: `, parsed.error, (p) => p.map(String).join('.') || '(top level)').join('\n✗ '));
  config = parsed.data;
}
const source = path ? (cli.path ? path : `BRIDGE_CONFIG (${path})`) : 'the default configuration';
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
const steps = Object.values(config.apps).some((a) => a.workflowStep !== undefined);
const optional = SCOPE_NEEDS.filter((n) => n.optional).map((n) => ({
  scope: n.scope,
  wanted: n.scope === 'usergroups:read' ? groups : n.scope === 'im:write' && steps,
}));
const functions = await stepFunctions();
const next = `${JSON.stringify(withFunctions(withOptionalScopes(withSlashCommands(JSON.parse(current!) as Record<string, any>, config), optional), functions), null, 2)}\n`;
if (check) {
  // Parsed, not byte for byte: a manifest someone re-indented still matches what it says.
  if (!isDeepStrictEqual(JSON.parse(next), JSON.parse(current!)))
    fail(`${manifestPath}'s slash commands, shortcuts, steps or scopes differ from ${source}: run ${rerun(cli)}`);
  process.stdout.write(`✓ ${manifestPath} matches ${source}\n`);
} else {
  writeFileSync(manifestPath, next);
  const commands = (JSON.parse(next) as { features: { slash_commands: Array<{ command: string }> } }).features.slash_commands.map((c) => c.command);
  const stepNames = Object.values(functions).map((f) => `"${f.title}"`);
  const withSteps = stepNames.length ? ` and the Workflow Builder step${stepNames.length > 1 ? 's' : ''} ${stepNames.join(', ')}` : '';
  process.stdout.write(
    `✓ ${manifestPath} now has ${commands.join(', ')}${withSteps} (from ${source}); paste it into your app's settings at api.slack.com/apps\n`,
  );
}

/** Each step app's custom step, from its form in Dify; one line per app Dify does not describe. */
async function stepFunctions(): Promise<Record<string, StepFunction>> {
  const steps = Object.entries(config.apps).filter(([, a]) => a.workflowStep !== undefined && a.type === 'workflow');
  if (steps.length === 0) return {};
  const env = readEnvironment();
  const problems: string[] = [];
  const apps = Object.fromEntries(
    steps.map(([name, a]) => {
      const key = expandFromEnvironment(a.apiKey, env, `apps.${name}.apiKey`);
      const url = expandFromEnvironment(a.apiUrl ?? env['DIFY_API_URL'] ?? DEFAULT_DIFY_URL, env, `apps.${name}.apiUrl`);
      problems.push(...key.problems, ...url.problems);
      return [name, { type: 'workflow' as const, apiKey: String(key.value), apiUrl: String(url.value).replace(/\/+$/, '') }];
    }),
  );
  if (problems.length) fail(problems.join('\n✗ '));
  const dify = createDifyClient(apps, { connectMs: 10_000, idleMs: 30_000, blockingMs: 30_000 });
  const catalog = new AppCatalog(dify, apps);
  const functions: Record<string, StepFunction> = {};
  for (const [name, a] of steps) {
    try {
      const app = await catalog.describe(name);
      const why = stepProblems(app);
      if (why.length) problems.push(`apps.${name}.workflowStep: ${why.join('; ')}`);
      else functions[stepCallbackId(name)] = stepFunction(app, a.workflowStep === true ? {} : (a.workflowStep ?? {}));
    } catch (err) {
      const reason = err instanceof DifyError ? `${err.code}: ${err.message}` : String(err);
      problems.push(
        `apps.${name}: could not read the workflow's inputs from Dify at ${apps[name]!.apiUrl} (${reason}); a step's inputs come from the app's form`,
      );
    }
  }
  await dify.close();
  if (problems.length) fail(problems.join('\n✗ '));
  return functions;
}

interface Arguments {
  path: string | undefined;
  manifestPath: string;
  check: boolean;
}

/** README's forms: `[bridge.json] [--manifest FILE] [--check]`, in any order. */
function readArguments(argv: string[]): Arguments {
  const usage = 'usage: npm run manifest -- [path/to/bridge.json] [--manifest path/to/manifest.json] [--check]';
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { manifest: { type: 'string' }, check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    if (positionals.length > 1) fail(`one configuration file at a time (given: ${positionals.join(', ')}); ${usage}`);
    if (values.manifest !== undefined && values.manifest.trim() === '') fail(`--manifest needs a file; ${usage}`);
    return { path: positionals[0], manifestPath: values.manifest ?? 'manifest.json', check: values.check };
  } catch (err) {
    // parseArgs names the option it could not read ("Unknown option '--chek'", "Option '--manifest <value>' argument missing").
    const message = (err instanceof Error ? err.message : String(err)).replace(/\. To specify a positional argument.*$/s, '');
    fail(`${message}; ${usage}`);
  }
}

/** The command that writes what --check found missing, with the arguments given. */
function rerun(args: Arguments): string {
  const parts = ['npm run manifest', ...(args.path || args.manifestPath !== 'manifest.json' ? ['--'] : [])];
  if (args.path) parts.push(args.path);
  if (args.manifestPath !== 'manifest.json') parts.push('--manifest', args.manifestPath);
  return parts.join(' ');
}

function fail(line: string): never {
  process.stderr.write(`✗ ${line}\n`);
  process.exit(1);
}
