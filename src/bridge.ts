import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { LeanWebClient } from './slack/lean-web-client.js';
import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import { AppCatalog } from './core/apps/app-catalog.js';
import { WorkspaceFinder } from './core/apps/workspace-finder.js';
import { ChatBridge } from './core/chat/chat-bridge.js';
import { ThreadLog } from './core/chat/thread-log.js';
import { CommandRunner } from './core/commands/command-runner.js';
import { sendFeedback } from './core/runs/feedback.js';
import { RunRegistry } from './core/runs/run-registry.js';
import { RunTracker } from './core/runs/run-tracker.js';
import { SlackStepCompleter } from './slack/functions/step-completer.js';
import { slackTransport } from './slack/slack-transport.js';
import { StepRunner } from './core/steps/step-runner.js';
import { stepCallbackId } from './slack/manifest-functions.js';
import { RunFollower } from './core/runs/run-follower.js';
import { AccessPolicy } from './core/policy/access-policy.js';
import { homeApps } from './core/apps/home-apps.js';
import { RunHistory } from './core/runs/run-history.js';
import { ApprovedAnswers } from './core/chat/approved-answers.js';
import { EditBudget } from './core/streaming/edit-budget.js';
import { createDifyClient } from './dify/client.js';
import { extensionRoute } from './extension/extension-route.js';
import { Moderator } from './extension/moderation.js';
import { appsPinnedTo, SlackContextProvider } from './extension/slack-context.js';
import { HealthCheck } from './ops/health.js';
import { healthzRoute } from './ops/healthz-route.js';
import { BridgeMetrics } from './ops/metrics.js';
import { metricsRoute } from './ops/metrics-route.js';
import { SCOPE_NEEDS } from './ops/scope-needs.js';
import { checkPolicy } from './ops/policy-check.js';
import { SlackAnswerWriter } from './slack/answer-writer.js';
import { FeedbackStyle } from './slack/blocks/feedback-style.js';
import { createSlackApp, webClientOptions } from './slack/create-app.js';
import { NativeLatch, NativeStreamWriter } from './slack/native-stream-writer.js';
import { InstallationVault } from './slack/oauth/installation-vault.js';
import { observeRequests, requestObserver } from './slack/observe-requests.js';
import { EventRouter } from './slack/events/event-router.js';
import { installFrontDoor } from './slack/front-door.js';
import { registerListeners } from './slack/register-listeners.js';
import { SlackRunSurface } from './slack/run-surface.js';
import { PrivateAnswerSink } from './slack/private-answer-sink.js';
import { SharedAnswers } from './core/chat/shared-answers.js';
import { SlackWebDirectory } from './slack/slack-directory.js';
import { InstalledWorkspaces, SingleWorkspace, type Workspaces } from './slack/workspaces.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';
import { keyRing } from './slack/oauth/seal.js';
import type { Sealer } from './core/ports.js';
import { hkdfSync } from 'node:crypto';

export interface RunningBridge {
  /** The HTTP port actually bound (useful with PORT=0). */
  port: number;
  chat: ChatBridge;
  commands: CommandRunner;
  /** Resolves when no answer or command run is under way. */
  idle(): Promise<void>;
  /**
   * Stops taking requests, lets running answers finish until the deadline (SHUTDOWN_TIMEOUT_MS),
   * ends the others with their partial text and "(interrupted, please ask again)", closes the store.
   */
  stop(deadlineMs?: number): Promise<void>;
}

/** A stream of one run is given up after an hour unless the app says otherwise (maxRunMinutes). */
const DEFAULT_MAX_RUN_MINUTES = 60;

/**
 * The keys secrets at rest are sealed with: SLACK_ENCRYPTION_KEY (and the previous one, for
 * reading) in multi-workspace mode; else one derived from the signing secret or app token.
 */
function recordSealer(config: Config): Sealer {
  const oauth = config.slack.oauth;
  if (oauth) return keyRing([oauth.encryptionKey, ...(oauth.previousKey ? [oauth.previousKey] : [])]);
  const secret = config.slack.signingSecret ?? config.slack.appToken ?? config.slack.botToken ?? '';
  return keyRing([Buffer.from(hkdfSync('sha256', secret, 'dify-slack-bridge', 'records at rest', 32))]);
}

/**
 * Wires config → store, Dify client, core and Slack surfaces, and starts serving. Wiring only:
 * each part is built once what it needs exists.
 */
export async function startBridge(config: Config, logger: Logger): Promise<RunningBridge> {
  const chatRuns = new RunTracker();
  const commandRuns = new RunTracker();
  const resumedRuns = new RunTracker();
  const metrics = new BridgeMetrics(() => ({ chat: chatRuns.active, command: commandRuns.active, resumed: resumedRuns.active }));
  const store = metrics.timedStore(await openStore(config.store.url));
  const dify = createDifyClient(config.dify.apps, config.dify.timeouts, { fileOrigins: config.dify.fileOrigins });
  try {
    return await serve(config, logger, { store, dify, metrics, chatRuns, commandRuns, resumedRuns });
  } catch (err) {
    await Promise.allSettled([store.close(), dify.close()]);
    throw err;
  }
}

interface Foundations {
  store: Store;
  dify: ReturnType<typeof createDifyClient>;
  metrics: BridgeMetrics;
  chatRuns: RunTracker;
  commandRuns: RunTracker;
  resumedRuns: RunTracker;
}

async function serve(config: Config, logger: Logger, { store, dify, metrics, chatRuns, commandRuns, resumedRuns }: Foundations): Promise<RunningBridge> {
  const slackFetch = metrics.slackFetch(slackTransport());
  const apiUrl = config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {};
  // Multi-workspace mode: installations (tokens) sealed in the store. One workspace: its token,
  // checked now (a rejected one is a start-up error), which also says who the bot is.
  const sealer = recordSealer(config);
  const vault = config.slack.oauth ? new InstallationVault(store, sealer, logger.child({ component: 'oauth' })) : undefined;
  const workspaces: Workspaces = vault
    ? new InstalledWorkspaces(vault, webClientOptions(config, logger, slackFetch))
    : await singleWorkspace(config, logger, slackFetch);
  const installed = workspaces instanceof InstalledWorkspaces ? workspaces : undefined;
  const teams = new WorkspaceFinder(store, workspaces instanceof SingleWorkspace ? workspaces.teamId : undefined);
  const directory = new SlackWebDirectory((teamId) => workspaces.client(teamId), logger, { tokenFor: (teamId) => workspaces.botToken(teamId), ...apiUrl });
  const threadLog = new ThreadLog();

  // Bolt matches custom routes in order, compiling each pattern per request: the extension
  // route, called by Dify for every message, goes first.
  const routes = [];
  if (config.extension.apiKey) {
    const extensionLog = logger.child({ component: 'extension' });
    routes.push(
      extensionRoute({
        path: config.extension.path,
        apiKey: config.extension.apiKey,
        moderator: new Moderator(config.moderation),
        context: new SlackContextProvider(threadLog, directory, {
          threadMaxChars: config.context.threadMaxChars,
          botUserId: (teamId) => workspaces.botUserId(teamId),
          teams,
          appsFor: appsPinnedTo(config.dify.apps),
          warn: (fields, line) => extensionLog.warn(fields, line),
        }),
        logger: extensionLog,
      }),
    );
  }
  const health = new HealthCheck({
    version: VERSION,
    storeKind: store.kind,
    store: () => store.getThread('health:probe'),
    dify: Object.fromEntries(Object.keys(config.dify.apps).map((name) => [name, () => dify.info(name)])),
  });
  routes.push(healthzRoute(health, config.server.metricsToken), metricsRoute(metrics.registry, config.server.metricsToken));
  const app = createSlackApp(config, logger, routes, {
    slackFetch,
    ...(vault ? { installationStore: vault, scopes: SCOPE_NEEDS.filter((n) => n.optional !== true || n.needed(config)).map((n) => n.scope) } : {}),
  });
  const observe = requestObserver(logger.child({ component: 'slack' }), (type) => metrics.eventsReceived.inc({ type }));
  observeRequests(app, observe);
  const events = new EventRouter();

  const nativeLatch = new NativeLatch();
  const feedbackStyle = new FeedbackStyle();
  const timing = {
    intervalMs: config.stream.intervalMs,
    placeholderDelayMs: config.stream.placeholderDelayMs,
    runDeadlineMs: (appId: string) => (config.dify.apps[appId]?.maxRunMinutes ?? DEFAULT_MAX_RUN_MINUTES) * 60_000,
  };
  const catalog = new AppCatalog(dify, config.dify.apps);
  const editBudget = (teamId: string) => new EditBudget(store, teamId, config.slackEditsPerMinute);
  const runs = new RunRegistry(store, config.stopPolicy);
  // One decision for every surface, before any Dify call: who may use which app, where, how often.
  const policy = new AccessPolicy({ config, directory, store, logger: logger.child({ component: 'policy' }), observer: metrics });
  const shares = new SharedAnswers(store);
  const runSurface = new SlackRunSurface((teamId) => workspaces.client(teamId), logger, { ...apiUrl, feedbackStyle });
  // Workflow Builder steps end with the token of their event, kept sealed with the run.
  const stepCompleter = new SlackStepCompleter(
    config.slack.signingSecret ?? config.slack.appToken ?? '',
    webClientOptions(config, logger, slackFetch),
    logger.child({ component: 'steps' }),
  );
  // Workflow-backed runs past their first stream: Human Input pauses, re-attaching, hand-over.
  const follower = new RunFollower({
    sealer,
    steps: stepCompleter,
    dify,
    logger: logger.child({ component: 'runs' }),
    timing,
    busyRetryMs: config.difyBusyRetryMs,
    editBudget,
    runs,
    observer: metrics,
    store,
    surface: runSurface,
    policy,
    directory,
    approvers: (appId) => config.dify.apps[appId]?.humanInput?.approvers ?? 'asker',
    leaseMs: config.runLeaseMs,
    tracker: resumedRuns,
  });
  const history = new RunHistory(store);
  const chat = new ChatBridge({
    history,
    follower,
    policy,
    surface: runSurface,
    config,
    store,
    dify,
    logger,
    catalog,
    directory,
    threadLog,
    teams,
    tracker: chatRuns,
    botUserIdFor: (teamId) => workspaces.botUserId(teamId),
    // STREAM_MODE=off is a sink policy: the placeholder, then the final answer.
    timing: { ...timing, finalOnly: config.stream.mode === 'off' },
    busyRetryMs: config.difyBusyRetryMs,
    editBudget,
    runs,
    observer: metrics,
    createPrivateSink: (target, asker) => new PrivateAnswerSink(workspaces.client(asker.teamId), target, asker.userId, shares),
    createSink: (target, reply, asker) => {
      const log = logger.child({ channel: target.channelId });
      const client = workspaces.client(asker.teamId);
      const edit = new SlackAnswerWriter(client, target, log, { ...apiUrl, reply, feedbackStyle });
      // Native streaming needs a thread. `auto` uses it in DMs only: in a channel Slack shows the
      // live text to the recipient alone, so everyone else would see the answer only at the end.
      const wanted = config.stream.mode === 'native' || (config.stream.mode === 'auto' && asker.channelType === 'im');
      const threadTs = target.threadTs;
      return wanted && threadTs !== undefined && threadTs !== '' && reply.existing.length === 0
        ? new NativeStreamWriter(client, { channelId: target.channelId, threadTs }, asker, edit, nativeLatch, log, runs)
        : edit;
    },
  });
  const commands = new CommandRunner({
    history,
    dify,
    directory,
    teams,
    catalog,
    logger,
    timing,
    busyRetryMs: config.difyBusyRetryMs,
    editBudget,
    runs,
    observer: metrics,
    tracker: commandRuns,
    follower,
    policy,
  });

  const stepApps = Object.entries(config.dify.apps).flatMap(([appId, a]) => (a.workflowStep ? [{ appId, callbackId: stepCallbackId(appId) }] : []));
  const steps = stepApps.length
    ? new StepRunner({
        dify,
        logger: logger.child({ component: 'steps' }),
        timing,
        busyRetryMs: config.difyBusyRetryMs,
        observer: metrics,
        catalog,
        follower,
        surface: runSurface,
        steps: stepCompleter,
        store,
        directory,
        teams,
        policy,
        tracker: commandRuns,
        outputsOf: (appId) => config.dify.apps[appId]?.workflowStep?.outputs ?? {},
        stepAllowed: (appId) => {
          const app = config.dify.apps[appId];
          return !app?.access || app.workflowStep?.trustRunFor === true;
        },
      })
    : undefined;

  registerListeners(app, {
    events,
    ...(steps
      ? { steps: { apps: stepApps, runner: steps, completer: stepCompleter, directory, clientOf: (teamId: string) => workspaces.client(teamId) } }
      : {}),
    chat,
    commands,
    follower,
    shares,
    catalog,
    runs,
    store,
    sendFeedback: (ref, rating, content) => sendFeedback(dify, ref, rating, content),
    refuseFeedback: async (who) => (await policy.decide({ ...who, surface: 'feedback' }))?.markdown,
    commandNames: ['/dify', ...Object.values(config.dify.apps).flatMap((a) => (a.command ? [a.command] : []))],
    defaultChatApp: config.chat.default,
    ...(config.shortcuts.summarize ? { summarizeApp: config.shortcuts.summarize } : {}),
    ...(Object.values(config.dify.apps).some((a) => a.annotations)
      ? { approved: new ApprovedAnswers({ config, store, catalog, dify, directory, botUserIdFor: (teamId) => workspaces.botUserId(teamId) }) }
      : {}),
    home: {
      apps: (who) => homeApps(catalog, policy, (teamId) => config.workspaces[teamId]?.chat ?? config.chat, who),
      recent: (teamId, userId) => history.recent(teamId, userId),
    },
    feedbackStyle,
    ...apiUrl,
    ...(vault && installed ? { installations: { vault, workspaces: installed } } : {}),
    logger,
  });

  await app.init();
  let port = config.server.port;
  if (config.slack.appToken) {
    await app.start();
  } else {
    const server = (await app.start({ port: config.server.port, host: config.server.host })) as Server;
    port = (server.address() as AddressInfo).port;
    installFrontDoor(server, {
      signingSecret: config.slack.signingSecret ?? '',
      eventsPath: '/slack/events',
      events,
      contextFor: async (teamId) => {
        if (installed) {
          const known = await installed.botToken(teamId).then(
            () => true,
            () => false,
          );
          if (!known) return undefined;
        }
        return { teamId, botUserId: workspaces.botUserId(teamId) };
      },
      observe,
      routes,
      logger: logger.child({ component: 'slack' }),
    });
  }
  // Runs a restart or a dead replica left behind are taken up now, then whenever a lease runs out.
  follower.start();
  // A user group rule that can let nobody in (unknown handle, free plan) is said at start-up too.
  void checkPolicy(config, webClientOptions(config, logger, slackFetch))
    .then((checks) => {
      for (const c of checks) if (!c.ok) logger.warn({ fix: c.fix }, c.what);
    })
    .catch(() => undefined);

  return {
    port,
    chat,
    commands,
    async idle() {
      while (chatRuns.active > 0 || commandRuns.active > 0 || resumedRuns.active > 0)
        await Promise.all([chatRuns.idle(), commandRuns.idle(), resumedRuns.idle()]);
    },
    async stop(deadlineMs = config.shutdownTimeoutMs) {
      // No new work (Slack's retries go to other replicas), then finish or interrupt what runs.
      await app.stop().catch(() => undefined);
      follower.close();
      await Promise.all([chatRuns.shutdown(deadlineMs), commandRuns.shutdown(deadlineMs), resumedRuns.shutdown(deadlineMs)]);
      await Promise.allSettled([store.close(), dify.close()]);
    },
  };
}

/** One workspace (SLACK_BOT_TOKEN): its Web API client, and who the bot is there (auth.test). */
async function singleWorkspace(config: Config, logger: Logger, slackFetch: ReturnType<BridgeMetrics['slackFetch']>): Promise<SingleWorkspace> {
  const token = config.slack.botToken;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
  const client = new LeanWebClient(token, webClientOptions(config, logger, slackFetch));
  const auth = await client.auth.test();
  return new SingleWorkspace(client, token, { botUserId: String(auth.user_id ?? ''), teamId: String(auth.team_id ?? '') });
}
