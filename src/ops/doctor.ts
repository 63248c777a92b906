import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient, WebAPIPlatformError, type WebClientOptions } from '@slack/web-api';
import { pino } from 'pino';
import type { Config, DifyAppConfig } from '../config/types.js';
import { isExpiringDifyUrl, personaOf } from '../core/apps/persona.js';
import { ThreadLog } from '../core/chat/thread-log.js';
import { SlackContextProvider, TOOL_NEEDS, TOOL_VARIABLES } from '../extension/slack-context.js';
import { createDifyClient, type AppSite } from '../dify/client.js';
import { extensionRoute } from '../extension/extension-route.js';
import { Moderator } from '../extension/moderation.js';
import { webClientOptions } from '../slack/create-app.js';
import { openStore } from '../store/open-store.js';
import { SCOPE_NEEDS } from './scope-needs.js';
import { checkManifest } from './manifest-check.js';
import { describeRouting } from '../config/routing.js';
import { checkPolicy } from './policy-check.js';
import { describeDifyFailure } from './dify-app-checks.js';

/** One line of the doctor's report: what was checked, and how to fix it when it failed. */
export interface Check {
  ok: boolean;
  what: string;
  fix?: string;
  /** Worth knowing, nothing breaks (printed as a note; never fails the run). */
  note?: true;
}

const silent = pino({ level: 'silent' });

const pass = (what: string): Check => ({ ok: true, what });
const fail = (what: string, fix: string): Check => ({ ok: false, what, fix });
const note = (what: string): Check => ({ ok: true, note: true, what });

/** Dify's app modes for each type the configuration names. */
const MODES: Record<string, readonly string[]> = {
  chat: ['chat', 'advanced-chat', 'agent-chat'],
  workflow: ['workflow'],
  completion: ['completion'],
};

export interface DoctorOptions {
  /** manifest.json's text, or undefined when there is none. */
  manifest?: string;
}

/**
 * Checks a configuration against the services it names, without starting the bridge: Slack
 * token and scopes, Socket Mode or signing secret, every Dify app (reachable, right mode,
 * inputs), the extension route, the store, and manifest.json. Never contains a secret: the
 * caller prints the lines through the same scrubbing as the logs.
 */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const routing = describeRouting(config);
  checks.push(routing.problem ? fail(`Routing: ${routing.line}; ${routing.problem.what}`, routing.problem.fix) : pass(`Routing: ${routing.line}`));
  checks.push(...(await checkSlack(config)));
  checks.push(...(await checkDify(config)));
  checks.push(...(await checkPolicy(config, webClientOptions(config, silent))));
  if (config.extension.apiKey) checks.push(await checkExtension(config));
  checks.push(await checkStore(config));
  checks.push(await checkPort(config));
  checks.push(...checkManifest(config, options.manifest));
  return checks;
}

async function checkSlack(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  // The bridge's own client settings; the client's logging stays out of the report.
  const api = webClientOptions(config, silent);
  if (config.slack.oauth) checks.push(await checkOAuth(config.slack.oauth, api));
  else checks.push(...(await checkBotToken(config, api)));
  if (config.slack.appToken) {
    const app = new WebClient(config.slack.appToken, api);
    try {
      await app.apps.connections.open();
      checks.push(pass('Socket Mode: the app-level token opens a connection'));
    } catch (err) {
      const code = err instanceof WebAPIPlatformError ? err.data.error : describe(err);
      checks.push(
        fail(
          `Socket Mode: the app-level token was refused (${code})`,
          'enable Socket Mode in the app settings and put an app-level token with connections:write (xapp-…) in SLACK_APP_TOKEN',
        ),
      );
    }
  } else {
    // The configuration does not load in HTTP mode without it.
    checks.push(pass('HTTP mode: SLACK_SIGNING_SECRET is set (Slack requests are verified)'));
  }
  return checks;
}

async function checkBotToken(config: Config, api: WebClientOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const client = new WebClient(config.slack.botToken, api);
  try {
    const auth = await client.auth.test();
    checks.push(pass(`Slack token: bot user ${auth.user ?? auth.user_id} in workspace ${auth.team ?? ''} (${auth.team_id ?? '?'})`));
    const granted = auth.response_metadata?.scopes;
    if (!granted) {
      checks.push(fail('Slack did not say which scopes the token has', 'reinstall the app from manifest.json so the token carries its scopes'));
    } else {
      const missing = SCOPE_NEEDS.filter((n) => n.needed(config) && !granted.includes(n.scope));
      for (const need of missing) {
        if (need.fallback) {
          checks.push(
            note(
              `Slack scope ${need.scope} not granted: ${need.fallback} instead of ${need.feature}; to change that, add "${need.scope}" to oauth_config.scopes.bot (manifest.json has it) and reinstall the app`,
            ),
          );
          continue;
        }
        checks.push(
          fail(
            `Slack scope ${need.scope} missing: ${need.feature} will not work`,
            `add "${need.scope}" to oauth_config.scopes.bot (manifest.json has it), then reinstall the app to your workspace`,
          ),
        );
      }
      if (missing.every((n) => n.fallback))
        checks.push(pass(`Slack scopes: all ${SCOPE_NEEDS.filter((n) => n.needed(config)).length} the enabled features need are granted`));
    }
  } catch (err) {
    const code = err instanceof WebAPIPlatformError ? err.data.error : undefined;
    if (code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive') {
      checks.push(
        fail(
          `Slack rejected SLACK_BOT_TOKEN (${code})`,
          "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page into SLACK_BOT_TOKEN",
        ),
      );
    } else {
      checks.push(
        fail(
          `Slack's Web API did not answer (${code ?? describe(err)})`,
          `check the network to ${config.slack.apiUrl ?? 'https://slack.com/api/'}${config.slack.apiUrl ? ' (SLACK_API_URL)' : ''}`,
        ),
      );
    }
  }
  return checks;
}

/**
 * Multi-workspace mode has no token to test: the client credentials are, by trading a code
 * that cannot be valid (Slack checks the client before the code).
 */
async function checkOAuth(oauth: NonNullable<Config['slack']['oauth']>, api: WebClientOptions): Promise<Check> {
  const client = new WebClient(undefined, api);
  try {
    await client.oauth.v2.access({ client_id: oauth.clientId, client_secret: oauth.clientSecret, code: 'bridge-doctor-check' });
    return fail('Slack accepted a made-up OAuth code', 'report this as a bug');
  } catch (err) {
    const code = err instanceof WebAPIPlatformError ? err.data.error : undefined;
    if (code === 'invalid_code')
      return pass(`Multi-workspace mode: Slack accepts client id ${oauth.clientId} and its secret (workspaces install at /slack/install)`);
    if (code === 'invalid_client_id' || code === 'bad_client_secret') {
      return fail(
        `Slack refused the OAuth client credentials (${code})`,
        "copy Client ID and Client Secret from your app's Basic Information page into SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
      );
    }
    return fail(`Slack's Web API did not answer (${code ?? describe(err)})`, 'check the network to Slack');
  }
}

async function checkDify(config: Config): Promise<Check[]> {
  const dify = createDifyClient(config.dify.apps, { ...config.dify.timeouts, connectMs: Math.min(config.dify.timeouts.connectMs, 10_000) });
  try {
    return (
      await Promise.all(
        Object.entries(config.dify.apps).map(async ([name, app]): Promise<Check | Check[]> => {
          try {
            const [info, params, site] = await Promise.all([dify.info(name), dify.parameters(name), dify.site(name).catch(() => undefined)]);
            if (!MODES[app.type]!.includes(info.mode ?? '')) {
              const actual = Object.entries(MODES).find(([, modes]) => modes.includes(info.mode ?? ''))?.[0];
              return fail(
                `Dify app "${name}" is a ${info.mode ?? 'unknown'} app in Dify, configured as ${app.type}`,
                actual ? `set "type": "${actual}" for "${name}" in BRIDGE_CONFIG` : `use an app of type ${app.type}, or change "type" for "${name}"`,
              );
            }
            const about = pass(`Dify app "${name}" (${app.type}): "${info.name ?? name}", mode ${info.mode}, inputs: ${inputNames(params.user_input_form)}`);
            const context = contextTools(name, params.user_input_form, config.slack.oauth !== undefined);
            return [about, ...(context ? [context] : []), ...personaCheck(name, app.persona, site)];
          } catch (err) {
            const { what, fix } = describeDifyFailure(name, app, err);
            return fail(what, fix);
          }
        }),
      )
    ).flat();
  } finally {
    await dify.close();
  }
}

/** Which name and icon an app's answers carry, and an icon URL Slack may fail to fetch later. */
function personaCheck(name: string, config: DifyAppConfig['persona'], site: AppSite | undefined): Check[] {
  if (config === false) return [];
  const persona = personaOf(config, site);
  if (!persona) return [note(`Dify app "${name}": answers carry the bot's own name (Dify has no WebApp title for it; set "persona" in BRIDGE_CONFIG)`)];
  const icon = persona.iconEmoji ?? persona.iconUrl ?? "the bot's icon";
  const from = config?.name ? 'BRIDGE_CONFIG persona' : "Dify's WebApp settings";
  const checks = [pass(`Dify app "${name}": answers as "${persona.name}" with ${icon} (from ${from})`)];
  if (persona.iconUrl && !config?.iconUrl && isExpiringDifyUrl(persona.iconUrl)) {
    checks.push(
      note(
        `Dify app "${name}": its icon is a signed Dify file URL that expires (FILES_ACCESS_TIMEOUT), so Slack may show a broken icon later; set "persona": {"iconUrl": "https://…"} to a lasting image`,
      ),
    );
  }
  return checks;
}

/**
 * For an app that declares some slack_* inputs: which of the extension's Slack context tools
 * get what they read (the tools themselves are configured in Dify, which does not list them).
 */
function contextTools(name: string, form: unknown, severalWorkspaces: boolean): Check | undefined {
  const declared = new Set(
    inputNames(form)
      .split(', ')
      .map((v) => v.replace(/\*$/, '')),
  );
  if (![...declared].some((v) => v.startsWith('slack_'))) return undefined;
  const verdicts = TOOL_VARIABLES.map((tool) => {
    const needs = [...TOOL_NEEDS[tool], ...(severalWorkspaces ? ['slack_team_id' as const] : [])];
    const missing = needs.filter((v) => !declared.has(v));
    return { tool, missing, text: missing.length ? `${tool} ✗ (needs ${missing.join(', ')})` : `${tool} ✓` };
  });
  const line = `Dify app "${name}": Slack context tools with its inputs: ${verdicts.map((v) => v.text).join(', ')}`;
  return verdicts.some((v) => v.missing.length)
    ? { ok: true, note: true, what: `${line}; add the missing inputs (text, optional) for the tools the app uses` }
    : pass(line);
}

function inputNames(form: unknown): string {
  if (!Array.isArray(form) || form.length === 0) return 'none';
  const names = form.flatMap((entry) => {
    const control = entry && typeof entry === 'object' ? Object.values(entry as Record<string, unknown>)[0] : undefined;
    if (!control || typeof control !== 'object') return [];
    const c = control as { variable?: unknown; required?: unknown };
    return typeof c.variable === 'string' ? [`${c.variable}${c.required ? '*' : ''}`] : [];
  });
  return names.length ? names.join(', ') : 'none';
}

/** Dify's ping, sent the way Dify sends it, to the bridge's own extension route on a throwaway port. */
async function checkExtension(config: Config): Promise<Check> {
  const noDirectory = {
    user: async () => undefined,
    channel: async () => undefined,
    threadMessages: async () => [],
    fetchFile: async () => {
      throw new Error('not available in the doctor');
    },
  };
  const route = extensionRoute({
    path: config.extension.path,
    apiKey: config.extension.apiKey!,
    moderator: new Moderator(config.moderation),
    context: new SlackContextProvider(new ThreadLog(), noDirectory, {
      threadMaxChars: config.context.threadMaxChars,
      // The ping needs no Slack context: nothing is seen, so any context query answers empty.
      teams: { find: async () => undefined, saw: async () => false },
      appsFor: () => [],
    }),
    logger: silent,
  });
  const server = createServer((req, res) => (req.url === route.path ? void route.handler(req, res) : res.writeHead(404).end()));
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${route.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.extension.apiKey}` },
      body: JSON.stringify({ point: 'ping' }),
    });
    const body = await res.text();
    if (res.status === 200 && body === '{"result":"pong"}')
      return pass(
        `Extension route ${config.extension.path}: answers Dify's ping with pong (add it in Dify under Settings → Custom Endpoint, formerly API Extension)`,
      );
    return fail(`Extension route ${config.extension.path}: ping answered ${res.status} ${body.slice(0, 80)}`, 'report this as a bug');
  } catch (err) {
    return fail(`Extension route: ${describe(err)}`, 'report this as a bug');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function checkStore(config: Config): Promise<Check> {
  const where = config.store.url.replace(/\/\/[^@/]*@/, '//***@');
  try {
    const store = await openStore(config.store.url);
    try {
      const key = `doctor:${randomUUID()}`;
      await store.raiseFlag(key, 10_000);
      if (!(await store.takeFlag(key)))
        return fail(`Store ${where}: a value written could not be read back`, 'check the store (disk full? a Redis replica in read-only mode?)');
      return pass(`Store ${where}: opens, writes and reads`);
    } finally {
      await store.close();
    }
  } catch (err) {
    return fail(
      `Store ${where}: ${describe(err)}`,
      config.store.url.startsWith('redis') ? 'check that Redis is running and STORE_URL is right' : 'check that STORE_URL points to a writable place',
    );
  }
}

/**
 * `npm start` listens on PORT (Slack's requests in HTTP mode; /healthz and /metrics always).
 * A port already taken by a running bridge is fine: the doctor is often run beside it.
 */
async function checkPort(config: Config): Promise<Check> {
  const { port, host } = config.server;
  if (port === 0) return pass('PORT 0: the bridge listens on a free port chosen at start');
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
  if (!error) return pass(`PORT ${port} on ${host} is free for the bridge`);
  if (error.code === 'EACCES') return fail(`PORT ${port}: not allowed to listen there`, 'choose a port above 1024');
  if (error.code !== 'EADDRINUSE') return fail(`PORT ${port} on ${host}: ${error.message}`, 'set PORT and HOST to an address this machine has');
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const running = await fetch(`http://${shown}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })
    .then(async (r) => ((await r.json()) as { ok?: unknown }).ok !== undefined)
    .catch(() => false);
  return running
    ? pass(`PORT ${port} is taken by a running bridge (its /healthz answers)`)
    : fail(
        `PORT ${port} is in use by another program: npm start would stop with "Port ${port} is in use"`,
        'set PORT to a free port, or stop what listens there',
      );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
