import { afterEach, describe, expect, it } from 'vitest';
import { tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Prometheus text → value of one series (labels in any order), 0 when absent. */
async function metric(b: TestBridge, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${b.base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}

describe('GET /metrics', () => {
  it('is Prometheus text whose counters move as Slack requests and Dify runs are handled', async () => {
    t = await startTestBridge();
    const res = await fetch(`${t.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await metric(t, 'bridge_slack_requests_total', { type: 'app_mention' })).toBe(0);

    const { ts, eventId } = await t.mention('count me');
    // Slack's retry of the same delivery: deduplicated.
    await t.sendEvent(
      { type: 'app_mention', user: 'UALICE', text: `<@${t.slack.botUserId}> count me`, ts, channel: 'C1', event_ts: ts, team: 'T1' },
      { eventId, retryNum: 1 },
    );
    await settled(t);
    expect(await metric(t, 'bridge_slack_requests_total', { type: 'app_mention' })).toBe(2);
    expect(await metric(t, 'bridge_slack_messages_deduplicated_total')).toBe(1);
    expect(await metric(t, 'bridge_dify_runs_total', { app: 'default', kind: 'chat', outcome: 'answered' })).toBe(1);
    expect(await metric(t, 'bridge_dify_first_token_seconds_count', { app: 'default' })).toBe(1);
    expect(await metric(t, 'bridge_slack_first_text_seconds_count', { app: 'default' })).toBe(1);
    expect(await metric(t, 'bridge_slack_api_calls_total', { method: 'chat.postMessage', status: '2xx' })).toBe(1);
    expect(await metric(t, 'bridge_store_operation_seconds_count', { op: 'claim' })).toBe(2);
    expect(await metric(t, 'bridge_active_runs', { kind: 'chat' })).toBe(0);

    // A workflow run from a command, and a 429 from Slack on an edit.
    let limited = false;
    t.slack.interceptors.push((call) => {
      if (call.method !== 'chat.update' || limited) return undefined;
      limited = true;
      return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
    });
    t.dify.onChat = ({ events, res: out }) =>
      writeSse(out, [...tokens('A longer answer that is edited a few times.', 4).map((d) => events.message(d)), events.messageEnd()], 60);
    await t.mention('slow one');
    await settled(t);
    expect(await metric(t, 'bridge_slack_api_rate_limited_total', { method: 'chat.update' })).toBe(1);
    expect(await metric(t, 'bridge_dify_runs_total', { kind: 'chat', outcome: 'answered' })).toBe(2);
  });

  it('counts a stopped answer as stopped, and shows a run while it streams', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [...Array.from({ length: 80 }, (_, i) => events.message(`w${i} `)), events.messageEnd()], 40);
    const { ts } = await t.mention('long');
    const streaming = await t.slack.waitFor(() => t!.slack.replies('C1', ts).find((m) => m.text.startsWith('w0 w1')), 3000, 'streaming');
    expect(await metric(t, 'bridge_active_runs', { kind: 'chat' })).toBe(1);
    await t.press(streaming, 'dify_stop');
    await settled(t);
    expect(await metric(t, 'bridge_dify_runs_total', { kind: 'chat', outcome: 'stopped' })).toBe(1);
    expect(await metric(t, 'bridge_active_runs', { kind: 'chat' })).toBe(0);
  });
});

describe('logs', () => {
  const secrets = (b: TestBridge) => [b.slack.token, 'test-signing-secret-0123456789', b.dify.apiKey];

  it('one JSON line per Slack request and per Dify run, with ids and timings, never a secret or the text at info', async () => {
    t = await startTestBridge({ env: { LOG_LEVEL: 'info' } });
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message('The confidential answer text.'), events.messageEnd()]);
    const { ts } = await t.mention('my private question wording');
    await settled(t);
    const request = t.logs.find((l) => l['msg'] === 'Slack request handled' && l['type'] === 'app_mention');
    expect(request).toMatchObject({ level: 30, team: 'T1', channel: 'C1', user: 'UALICE', outcome: 'ok' });
    expect(typeof request!['ms']).toBe('number');
    const run = t.logs.find((l) => l['msg'] === 'Dify run finished');
    expect(run).toMatchObject({ team: 'T1', channel: 'C1', thread: ts, app: 'default', kind: 'chat', outcome: 'answered' });
    expect(run!['task_id']).toEqual(expect.any(String));
    expect(run!['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
    expect(typeof run!['ms']).toBe('number');
    // Our own answer's post and edits come back as events; they are not worth a line each at info.
    expect(t.logs.filter((l) => l['msg'] === 'Slack request handled').length).toBe(1);
    const all = JSON.stringify(t.logs);
    expect(all).not.toContain('private question wording');
    expect(all).not.toContain('confidential answer text');
    for (const s of secrets(t)) expect(all).not.toContain(s);
  });

  it('keeps keys redacted at debug level too', async () => {
    t = await startTestBridge({ env: { LOG_LEVEL: 'debug' } });
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.error('invalid_param', `bad key ${t!.dify.apiKey} with Bearer ${t!.slack.token}`, 400)]);
    await t.mention('hello');
    await settled(t);
    expect(t.logs.length).toBeGreaterThan(3);
    const all = JSON.stringify(t.logs);
    for (const s of secrets(t)) expect(all).not.toContain(s);
    expect(all).toContain('[redacted]');
  });
});
