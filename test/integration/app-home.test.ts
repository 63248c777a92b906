import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, TEAM, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const opened = (user: string) => ({ type: 'app_home_opened', user, channel: 'D1', tab: 'home', event_ts: '1790003000.000100' });
const texts = (view: Record<string, unknown> | undefined) => JSON.stringify((view?.['blocks'] as unknown[] | undefined) ?? []);

describe('App Home tab', () => {
  it('lists the apps this person may use with how to reach each, and their last runs linked', async () => {
    t = await startTestBridge({
      bridgeConfig: {
        apps: {
          helpdesk: { type: 'chat', apiKey: 'app-help', description: 'IT questions', persona: { name: 'IT Helpdesk', iconEmoji: ':wrench:' } },
          report: { type: 'workflow', apiKey: 'app-report', command: '/report' },
          finance: { type: 'chat', apiKey: 'app-fin', access: { users: ['UCAROL'] } },
          sales: { type: 'chat', apiKey: 'app-sales', access: { channels: ['C7'] } },
        },
        chat: { default: 'helpdesk', channels: { C7: 'sales' } },
      },
      env: { DIFY_API_KEY: '' },
    });
    t.dify.apps.set('app-help', { mode: 'chat', name: 'Helpdesk' });
    t.dify.apps.set('app-report', { mode: 'workflow', name: 'Report', form: [{ 'text-input': { label: 'Topic', variable: 'topic', required: true } }] });
    t.dify.apps.set('app-fin', { mode: 'chat', name: 'Finance' });
    t.dify.apps.set('app-sales', { mode: 'chat', name: 'Sales' });
    // Nothing yet.
    await t.sendEvent(opened('UALICE'));
    await t.slack.waitFor(() => t!.slack.homeViews.get('UALICE'), 2000, 'the Home tab');
    expect(texts(t.slack.homeViews.get('UALICE'))).toContain('Nothing yet');

    const { ts } = await t.mention('printer on fire');
    await settled(t);
    await t.command('topic=Q3', { command: '/report' });
    await settled(t);
    t.slack.homeViews.clear();
    await t.sendEvent(opened('UALICE'));
    await t.slack.waitFor(() => t!.slack.homeViews.get('UALICE'), 2000, 'the Home tab');
    const home = texts(t.slack.homeViews.get('UALICE'));
    expect(home).toContain(':wrench: *IT Helpdesk* (chat, `helpdesk`)\\nIT questions\\nmention me in a channel or DM me');
    expect(home).toContain('`/report` with your input, or alone for a form');
    expect(home).toContain('ask in <#C7>');
    expect(home).toContain('_Only in <#C7>_');
    expect(home).not.toContain('finance');
    // Newest first, each linked to where it is shown.
    const runs = home.slice(home.indexOf('Your recent runs'));
    expect(runs).toContain('`report` (workflow)');
    expect(runs.indexOf('`report` (workflow)')).toBeLessThan(runs.indexOf('`helpdesk` (chat)'));
    expect(runs).toContain(`\`helpdesk\` (chat) in <#C1> · answered · <https://fake.slack.com/archives/C1/p${ts.replace('.', '')}|open>`);
    expect(runs).toContain('answered');
    // Someone else's tab shows their own (none), and the apps open to them.
    t.slack.users.set('UCAROL', { id: 'UCAROL', name: 'carol', real_name: 'Carol', team_id: TEAM });
    await t.sendEvent(opened('UCAROL'));
    await t.slack.waitFor(() => t!.slack.homeViews.get('UCAROL'), 2000, 'Carol’s Home tab');
    expect(texts(t.slack.homeViews.get('UCAROL'))).toContain('Nothing yet');
    expect(texts(t.slack.homeViews.get('UCAROL'))).toContain('*Finance* (chat, `finance`)');
  });
});
