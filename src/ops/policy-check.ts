import { WebClient, WebAPIPlatformError, type WebClientOptions } from '@slack/web-api';
import type { AccessRule, Config, Limits } from '../config/types.js';
import type { Check } from './doctor.js';

const limitsText = (l: Limits) =>
  [l.perUser ? `${l.perUser.text} per person` : '', l.perChannel ? `${l.perChannel.text} per channel` : ''].filter(Boolean).join(', ');

/** One line of what an app's rule lets through. */
export function describeAccess(rule: AccessRule | undefined, limits: Limits | undefined): string {
  const parts: string[] = [];
  if (!rule) parts.push('everyone in the workspace (guests and people from other organisations too)');
  else {
    const who = [...(rule.users ?? []), ...(rule.userGroups ?? [])];
    parts.push(who.length ? `only ${who.join(', ')}` : 'everyone');
    parts.push(rule.channels ? `in ${rule.channels.length ? rule.channels.join(', ') : 'no channel'}` : 'in every channel');
    parts.push(rule.guests ? 'guests allowed' : 'no guests');
    parts.push(rule.external ? 'other organisations allowed' : 'no one from other organisations');
  }
  const quota = limits ? limitsText(limits) : '';
  if (quota) parts.push(`at most ${quota}`);
  return parts.join('; ');
}

/**
 * The effective policy, one line per app (and the global rules), and the user group handles
 * it names that Slack does not know, or cannot read on this plan.
 */
export async function checkPolicy(config: Config, api: WebClientOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const global = limitsText(config.limits);
  checks.push({
    ok: true,
    what: `Access: DMs ${config.dms ? 'answered' : 'off (a DM gets one line saying where to ask)'}${global ? `; every app at most ${global}` : ''}`,
  });
  for (const [name, app] of Object.entries(config.dify.apps)) {
    checks.push({ ok: true, what: `Access to ${name}: ${describeAccess(app.access, app.limits)}` });
  }
  const handles = [
    ...new Set(
      Object.values(config.dify.apps).flatMap((a) => [
        ...(a.access?.userGroups ?? []),
        ...(Array.isArray(a.humanInput?.approvers) ? a.humanInput.approvers.filter((x) => x.startsWith('S') || x.startsWith('@')) : []),
      ]),
    ),
  ];
  if (handles.length === 0 || !config.slack.botToken) return checks;
  try {
    const list = (await new WebClient(config.slack.botToken, api).usergroups.list({})) as { usergroups?: Array<{ id?: string; handle?: string }> };
    const known = new Set((list.usergroups ?? []).flatMap((g) => [g.id ?? '', g.handle ? `@${g.handle}` : '']));
    const unknown = handles.filter((h) => !known.has(h));
    for (const h of unknown) {
      checks.push({
        ok: false,
        what: `User group ${h} does not exist in this workspace: nobody gets in through it`,
        fix: `check the group's ${h.startsWith('@') ? 'handle' : 'id'} in Slack (People › User groups), then fix BRIDGE_CONFIG`,
      });
    }
    if (unknown.length === 0) checks.push({ ok: true, what: `User groups: ${handles.join(', ')} found` });
  } catch (err) {
    const code = err instanceof WebAPIPlatformError ? err.data.error : 'error';
    if (code === 'plan_upgrade_required') {
      checks.push({
        ok: false,
        what: 'User groups need a paid Slack plan (usergroups.list answered plan_upgrade_required): rules naming groups let nobody in',
        fix: 'list people (U…) instead of groups in BRIDGE_CONFIG, or upgrade the Slack plan',
      });
    } else if (code !== 'missing_scope') {
      // missing_scope is reported by the scope check above, with its fix.
      checks.push({ ok: false, what: `Slack did not list the user groups (${code})`, fix: 'run the doctor again; if it persists, check the bot token' });
    }
  }
  return checks;
}
