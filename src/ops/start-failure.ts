import type { Config } from '../config/types.js';

/**
 * The one line an operator reads when `npm start` fails: what failed and what to check, as
 * the doctor words it. The usual causes are a bad token, no network to Slack, or a busy port.
 */
export function describeStartFailure(err: unknown, config: Pick<Config, 'slack' | 'server'>): string {
  const e = err as { code?: string; message?: string; data?: { error?: string }; original?: { code?: string; message?: string }; statusCode?: number };
  const slackApi = config.slack.apiUrl ? `${config.slack.apiUrl} (SLACK_API_URL)` : 'https://slack.com/api/';
  const reason = e.data?.error ?? e.code ?? e.message ?? String(err);
  switch (reason) {
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return `Slack rejected SLACK_BOT_TOKEN (${reason}): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page again.`;
    case 'slack_webapi_request_error': {
      const cause = e.original?.code ?? e.original?.message ?? 'no answer';
      return `Slack's Web API did not answer (${cause}): check the network to ${slackApi}; npm run doctor checks every connection.`;
    }
    case 'slack_webapi_http_error':
      return `Slack's Web API answered HTTP ${e.statusCode ?? '?'}: check ${slackApi}, or try again in a minute (status.slack.com).`;
    case 'slack_webapi_rate_limited_error':
      return "Slack rate-limited the bridge's first call: try again in a minute.";
    case 'EADDRINUSE':
      return `Port ${config.server.port} is in use: set PORT to a free port (or stop what listens there).`;
    case 'EACCES':
      return `Not allowed to listen on port ${config.server.port}: choose a port above 1024.`;
    default:
      return `The bridge could not start: ${reason}${e.message && e.message !== reason ? ` (${e.message})` : ''}`;
  }
}
