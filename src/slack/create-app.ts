import { App, type CustomRoute, type InstallationStore } from '@slack/bolt';
import type { FetchFunction, WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config/types.js';
import { boltLogger } from '../logger.js';

/**
 * How every Web API client of the bridge talks to Slack: no automatic retries (a retried
 * chat.postMessage can post an answer twice; rate limits are the streaming policy's), the
 * configured API URL, our logger, and optionally a counting fetch (for /metrics).
 */
export function webClientOptions(config: Config, logger: Logger, slackFetch?: FetchFunction): WebClientOptions {
  return {
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    ...(slackFetch ? { fetch: slackFetch } : {}),
  };
}

/**
 * The Bolt app: HTTP receiver (events, commands and interactivity on /slack/events, plus our
 * routes on the same port) by default; Socket Mode when SLACK_APP_TOKEN is set, with our
 * routes on PORT. One workspace's bot token, or (multi-workspace mode) Slack's install flow
 * with an installation per workspace. The Web API client never retries on its own: a retried chat.postMessage
 * can post an answer twice, and rate limits are handled by the streaming policy.
 */
export function createSlackApp(
  config: Config,
  logger: Logger,
  customRoutes: CustomRoute[],
  extras: { slackFetch?: FetchFunction; installationStore?: InstallationStore; scopes?: string[] } = {},
): App {
  const { slack, server } = config;
  const { slackFetch } = extras;
  // Multi-workspace mode: Bolt serves /slack/install and /slack/oauth_redirect, and authorizes
  // each request with the installation of its workspace.
  const oauth =
    slack.oauth && extras.installationStore
      ? {
          clientId: slack.oauth.clientId,
          clientSecret: slack.oauth.clientSecret,
          stateSecret: slack.oauth.stateSecret,
          scopes: extras.scopes ?? [],
          installationStore: extras.installationStore,
          ...(slack.oauth.redirectUri ? { redirectUri: slack.oauth.redirectUri } : {}),
          installerOptions: { installPath: '/slack/install', redirectUriPath: '/slack/oauth_redirect' },
        }
      : { token: slack.botToken };
  const common = {
    ...oauth,
    // init() is awaited by the caller, so a rejected token is a start-up error, not a crash.
    deferInitialization: true,
    // Bolt's conversation store is a middleware on every request; the bridge keeps its own threads.
    convoStore: false as const,
    logger: boltLogger(logger),
    customRoutes,
    clientOptions: webClientOptions(config, logger, slackFetch),
  };
  if (slack.appToken) {
    return new App({
      ...common,
      socketMode: true,
      appToken: slack.appToken,
      installerOptions: { ...('installerOptions' in common ? common.installerOptions : {}), port: server.port },
    });
  }
  return new App({ ...common, signingSecret: slack.signingSecret! });
}
