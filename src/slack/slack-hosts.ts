const SLACK_DOMAINS = ['slack.com', 'slack-gov.com', 'slack-edge.com', 'slack-files.com'];

/**
 * Which URLs belong to Slack: its own domains over HTTPS, plus the host of SLACK_API_URL
 * when the operator set one (GovSlack, or a local test server). The bot token, and content
 * meant for Slack, go nowhere else.
 */
export function isSlackUrl(url: string | URL, apiUrl?: string): boolean {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  if (apiUrl) {
    const api = new URL(apiUrl);
    if (u.protocol === api.protocol && u.host === api.host) return true;
  }
  return u.protocol === 'https:' && SLACK_DOMAINS.some((d) => u.hostname === d || u.hostname.endsWith(`.${d}`));
}
