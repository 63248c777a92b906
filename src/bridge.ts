import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import { AppCatalog } from './core/apps/app-catalog.js';
import { ChatBridge } from './core/chat/chat-bridge.js';
import { EditBudget } from './core/streaming/edit-budget.js';
import { sendFeedback } from './core/runs/feedback.js';
import { RunRegistry } from './core/runs/run-registry.js';
import { registerAskSuggestion } from './slack/actions/ask-suggestion.js';
import { COMMENT_CALLBACK, registerFeedback } from './slack/actions/give-feedback.js';
import { registerUnknownInteractions } from './slack/actions/unknown-interaction.js';
import { FEEDBACK_ACTIONS, STOP_ACTION, SUGGEST_ACTIONS } from './slack/blocks/answer-controls.js';
import { INPUTS_CALLBACK_ID, OPTIONS_ACTION } from './slack/views/input-modal.js';
import { registerSuggestOptions } from './slack/views/suggest-options.js';
import { registerAppHomeOpened } from './slack/events/app-home-opened.js';
import { registerAssistantThreadStarted } from './slack/events/assistant-thread-started.js';
import { registerStopAnswer } from './slack/actions/stop-answer.js';
import { FeedbackStyle } from './slack/blocks/feedback-style.js';
import { BridgeMetrics } from './ops/metrics.js';
import { HealthCheck } from './ops/health.js';
import { metricsRoute } from './ops/metrics-route.js';
import { observeRequests } from './slack/observe-requests.js';
import { registerAgentSessionStopped } from './slack/events/agent-session-stopped.js';
import { CommandRunner } from './core/commands/command-runner.js';
import { createDifyClient } from './dify/client.js';
import { SlackAnswerWriter } from './slack/answer-writer.js';
import { NativeLatch, NativeStreamWriter } from './slack/native-stream-writer.js';
import { createSlackApp, webClientOptions } from './slack/create-app.js';
import { registerAppMention } from './slack/events/app-mention.js';
import { registerMessage } from './slack/events/message.js';
import { registerCommands } from './slack/commands/run-command.js';
import { registerInputsSubmitted } from './slack/views/inputs-submitted.js';
import { healthzRoute } from './ops/healthz-route.js';
import { openStore } from './store/open-store.js';
import { SlackContextProvider } from './extension/slack-context.js';
import { ThreadLog } from './core/chat/thread-log.js';
import { WorkspaceFinder } from './core/apps/workspace-finder.js';
import { extensionRoute } from './extension/extension-route.js';
import { Moderator } from './extension/moderation.js';
import { SlackWebDirectory } from './slack/slack-directory.js';
import { InstallationVault } from './slack/oauth/installation-vault.js';
import { InstalledWorkspaces, SingleWorkspace, type Workspaces } from './slack/workspaces.js';
import { registerUninstall } from './slack/events/app-uninstalled.js';
import { SCOPE_NEEDS } from './ops/scope-needs.js';
import { VERSION } from './version.js';

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

/** Wires config → store, Dify client, core and Slack surfaces, and starts serving. */
export async function startBridge(config: Config, logger: Logger): Promise<RunningBridge> {
  // Runs are known once the chat and command cores exist; the gauge reads them at scrape time.
  let active = () => ({ chat: 0, command: 0 });
  const metrics = new BridgeMetrics(() => active());
  const store = metrics.timedStore(await openStore(config.store.url));
  const dify = createDifyClient(config.dify.apps, config.dify.timeouts);
  const threadLog = new ThreadLog();
  /** One workspace: filled in from auth.test at start. */
  const identity = { botUserId: '', teamId: '' };
  const slackFetch = metrics.slackFetch();
  // Multi-workspace mode: installations (tokens) sealed in the store.
  const vault = config.slack.oauth ? new InstallationVault(store, config.slack.oauth.encryptionKey, logger.child({ component: 'oauth' })) : undefined;
  // The workspaces' Web API clients exist once the app does; the directory first uses them after start.
  let workspaces: Workspaces | undefined;
  const directory = new SlackWebDirectory((teamId) => workspaces!.client(teamId), logger, {
    tokenFor: (teamId) => workspaces!.botToken(teamId),
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
  });
  const teams = new WorkspaceFinder(store, vault ? undefined : () => identity.teamId);
  // Bolt takes its custom routes when the app is built.
  const health = new HealthCheck({
    version: VERSION,
    storeKind: store.kind,
    store: () => store.getThread('health:probe'),
    dify: Object.fromEntries(Object.keys(config.dify.apps).map((name) => [name, () => dify.info(name)])),
  });
  // Bolt matches custom routes in order, compiling each pattern per request: the extension
  // route, called by Dify for every message, goes first.
  const routes = [];
  const extensionLog = logger.child({ component: 'extension' });
  if (config.extension.apiKey) {
    routes.push(
      extensionRoute({
        path: config.extension.path,
        apiKey: config.extension.apiKey,
        moderator: new Moderator(config.moderation),
        context: new SlackContextProvider(threadLog, directory, {
          threadMaxChars: config.context.threadMaxChars,
          botUserId: (teamId) => workspaces?.botUserId(teamId) ?? '',
          teams,
          warn: (fields, line) => extensionLog.warn(fields, line),
        }),
        logger: extensionLog,
      }),
    );
  }
  routes.push(healthzRoute(health), metricsRoute(metrics.registry));
  const app = createSlackApp(config, logger, routes, { slackFetch, ...(vault ? { installationStore: vault, scopes: SCOPE_NEEDS.map((n) => n.scope) } : {}) });
  const installed = vault ? new InstalledWorkspaces(vault, webClientOptions(config, logger, slackFetch)) : undefined;
  workspaces = installed ?? new SingleWorkspace(app.client, config.slack.botToken!, identity);
  const inWorkspace = workspaces;
  if (vault && installed) registerUninstall(app, vault, installed, logger);
  observeRequests(app, logger.child({ component: 'slack' }), (type) => metrics.eventsReceived.inc({ type }));

  const nativeLatch = new NativeLatch();
  const feedbackStyle = new FeedbackStyle();
  const timing = { intervalMs: config.stream.intervalMs, placeholderDelayMs: config.stream.placeholderDelayMs };
  const catalog = new AppCatalog(dify, config.dify.apps);
  const editBudget = (teamId: string) => new EditBudget(store, teamId, config.slackEditsPerMinute);
  const runs = new RunRegistry(store, config.stopPolicy);
  const chat = new ChatBridge({
    config,
    store,
    dify,
    logger,
    catalog,
    directory,
    threadLog,
    teams,
    botUserIdFor: (teamId) => inWorkspace.botUserId(teamId),
    // STREAM_MODE=off is a sink policy: the placeholder, then the final answer.
    timing: { ...timing, finalOnly: config.stream.mode === 'off' },
    busyRetryMs: config.difyBusyRetryMs,
    editBudget,
    runs,
    observer: metrics,
    createSink: (target, reply, asker) => {
      const log = logger.child({ channel: target.channelId });
      const client = inWorkspace.client(asker.teamId);
      const edit = new SlackAnswerWriter(client, target, log, { ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}), reply, feedbackStyle });
      // Native streaming needs a thread. `auto` uses it in DMs only: in a channel Slack shows the
      // live text to the recipient alone, so everyone else would see the answer only at the end.
      const wanted = config.stream.mode === 'native' || (config.stream.mode === 'auto' && asker.channelType === 'im');
      const native = wanted && target.threadTs && reply.existing.length === 0;
      return native ? new NativeStreamWriter(client, { channelId: target.channelId, threadTs: target.threadTs! }, asker, edit, nativeLatch, log, runs) : edit;
    },
  });
  registerAppMention(app, chat);
  registerMessage(app, chat);

  const commands = new CommandRunner({ dify, directory, teams, catalog, logger, timing, busyRetryMs: config.difyBusyRetryMs, editBudget, runs, observer: metrics });
  active = () => ({ chat: chat.runs.active, command: commands.runs.active });
  const surfaceOptions = {
    logger,
    feedbackStyle,
    chatEnabled: config.chat.default !== undefined,
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
  };
  const commandNames = ['/dify', ...Object.values(config.dify.apps).flatMap((a) => (a.command ? [a.command] : []))];
  registerCommands(app, commands, commandNames, surfaceOptions);
  registerInputsSubmitted(app, commands, catalog, surfaceOptions);
  registerSuggestOptions(app, catalog, logger);
  registerStopAnswer(app, runs, logger);
  registerAgentSessionStopped(app, runs, logger);
  registerFeedback(app, (ref, rating, content) => sendFeedback(dify, ref, rating, content), logger);
  registerAskSuggestion(app, chat, logger);
  registerAssistantThreadStarted(app, catalog, config.chat.default, logger);
  registerAppHomeOpened(app, catalog, store, config.chat.default, logger);
  // Last: acknowledges what none of the above takes.
  registerUnknownInteractions(app, { actions: [STOP_ACTION, SUGGEST_ACTIONS, FEEDBACK_ACTIONS], views: [INPUTS_CALLBACK_ID, COMMENT_CALLBACK], options: [OPTIONS_ACTION] }, logger.child({ component: 'slack' }));

  let port = config.server.port;
  try {
    await app.init();
    // One workspace: the token is checked now (a bad one is a start-up error). Many: each
    // installation was checked when it was made.
    if (!vault) {
      const auth = await app.client.auth.test();
      identity.botUserId = String(auth.user_id ?? '');
      identity.teamId = String(auth.team_id ?? '');
    }
    if (config.slack.appToken) {
      await app.start();
    } else {
      const server = (await app.start({ port: config.server.port, host: config.server.host })) as Server;
      port = (server.address() as AddressInfo).port;
    }
  } catch (err) {
    await Promise.allSettled([store.close(), dify.close()]);
    throw err;
  }

  return {
    port,
    chat,
    commands,
    async idle() {
      while (chat.runs.active > 0 || commands.runs.active > 0) await Promise.all([chat.runs.idle(), commands.runs.idle()]);
    },
    async stop(deadlineMs = config.shutdownTimeoutMs) {
      // No new work (Slack's retries go to other replicas), then finish or interrupt what runs.
      await app.stop().catch(() => undefined);
      await Promise.all([chat.runs.shutdown(deadlineMs), commands.runs.shutdown(deadlineMs)]);
      await Promise.allSettled([store.close(), dify.close()]);
    },
  };
}
