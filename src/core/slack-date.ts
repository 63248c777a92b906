/**
 * Slack's date token: every reader sees the moment in their own time zone; clients that cannot
 * render it show the UTC fallback.
 */
export function slackDate(unixSeconds: number, style: 'time' | 'day-and-time'): string {
  const utc = new Date(unixSeconds * 1000).toISOString();
  return style === 'time'
    ? `<!date^${unixSeconds}^{time}|${utc.slice(11, 16)} UTC>`
    : `<!date^${unixSeconds}^{date_short_pretty} at {time}|${utc.slice(0, 16).replace('T', ' ')} UTC>`;
}
