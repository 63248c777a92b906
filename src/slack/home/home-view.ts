import type { KnownBlock, View } from '@slack/types';
import type { HomeApp } from '../../core/apps/home-apps.js';
import type { RecentRun } from '../../core/runs/run-history.js';
import { slackDate } from '../../core/slack-date.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const channelsOf = (ids: string[]) => ids.map((c) => `<#${c}>`).join(', ');
/** Slack caps a Home tab at 100 blocks: header, two per app, the runs, the dividers stay inside it. */
const MAX_APPS = 30;

function howTo(h: HomeApp): string {
  const a = h.app;
  if (a.type === 'chat') {
    const ways = [
      ...(h.answersMentions ? ['mention me in a channel or DM me'] : []),
      ...(h.routedChannels.length ? [`ask in ${channelsOf(h.routedChannels)}`] : []),
      '*Ask Dify about this* on any message',
    ];
    return ways.join(' · ');
  }
  return [`\`${a.command ?? `/dify ${a.id}`}\` with your input, or alone for a form`].join(' · ');
}

function appBlock(h: HomeApp): KnownBlock {
  const a = h.app;
  const name = a.persona?.iconEmoji ? `${a.persona.iconEmoji} *${esc(a.persona.name)}*` : `*${esc(a.persona?.name ?? a.title)}*`;
  const about = a.description ? `\n${esc(a.description)}` : '';
  const where = h.channels ? `\n_Only in ${channelsOf(h.channels)}_` : '';
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: `${name} (${a.type}, \`${a.id}\`)${about}\n${howTo(h)}${where}`.slice(0, 3000) },
    ...(a.persona?.iconUrl && !a.persona.iconEmoji ? { accessory: { type: 'image', image_url: a.persona.iconUrl, alt_text: a.persona.name } } : {}),
  };
}

function runLine(r: RecentRun & { link?: string }): string {
  const when = slackDate(Math.floor(r.at / 1000), 'day-and-time');
  return `• ${when} · \`${r.app}\` (${r.kind}) in <#${r.channelId}> · ${r.outcome}${r.link ? ` · <${r.link}|open>` : ''}`;
}

/** The Home tab: the apps this person may use, and their last runs with links to them. */
export function homeView(apps: HomeApp[], runs: Array<RecentRun & { link?: string }>): View {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Your Dify apps' } },
    ...(apps.length
      ? apps.slice(0, MAX_APPS).map(appBlock)
      : [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'No Dify app is open to you here; ask the operator of this bot for access.' } }]),
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Your recent runs' } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: (runs.length ? runs.map(runLine).join('\n') : '_Nothing yet: your questions and runs will show here._').slice(0, 3000) },
    },
  ];
  return { type: 'home', blocks };
}
