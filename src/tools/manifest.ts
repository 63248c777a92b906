import { readFileSync, writeFileSync } from 'node:fs';
import { bridgeFileSchema, DEFAULT_DIFY_URL, expandFromEnvironment } from '../config/load.js';
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
      apiKey: string;
      apiUrl?: string | undefined;
      workflowStep?: true | { title?: string | undefined; description?: string | undefined; outputs?: WorkflowStepConfig['outputs'] } | undefined;
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
const steps = Object.values(config.apps).some((a) => a.workflowStep !== undefined);
const optional = SCOPE_NEEDS.filter((n) => n.optional).map((n) => ({
  scope: n.scope,
  wanted: n.scope === 'usergroups:read' ? groups : n.scope === 'im:write' && steps,
}));
const functions = await stepFunctions();
const next = `${JSON.stringify(withFunctions(withOptionalScopes(withSlashCommands(JSON.parse(current!) as Record<string, any>, config), optional), functions), null, 2)}\n`;
if (check) {
  if (next !== current!)
    fail(
      `${manifestPath}'s slash commands, shortcuts, steps or scopes differ from ${source}: run npm run manifest -- ${path ?? ''}${manifestAt >= 0 ? ` --manifest ${manifestPath}` : ''}`.replace(
        / +$/,
        '',
      ),
    );
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

function fail(line: string): never {
  process.stderr.write(`✗ ${line}\n`);
  process.exit(1);
}
