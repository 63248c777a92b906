import { App, type CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/types.js';
import { boltLogger } from '../logger.js';

/**
 * The Bolt app: HTTP receiver (events, commands and interactivity on /slack/events, plus our
 * routes on the same port) by default; Socket Mode when SLACK_APP_TOKEN is set, with our
 * routes on PORT. The Web API client never retries on its own: a retried chat.postMessage
 * can post an answer twice, and rate limits are handled by the streaming policy.
 */
export function createSlackApp(config: Config, logger: Logger, customRoutes: CustomRoute[], slackFetch?: typeof fetch): App {
  const { slack, server } = config;
  const common = {
    token: slack.botToken,
    // init() is awaited by the caller, so a rejected token is a start-up error, not a crash.
    deferInitialization: true,
    logger: boltLogger(logger),
    customRoutes,
    clientOptions: {
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
      // Counts calls for /metrics.
      ...(slackFetch ? { fetch: slackFetch } : {}),
    },
  };
  if (slack.appToken) {
    return new App({ ...common, socketMode: true, appToken: slack.appToken, installerOptions: { port: server.port } });
  }
  return new App({ ...common, signingSecret: slack.signingSecret! });
}
