import { afterEach, describe, expect, it } from 'vitest';
import { FakeDify } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { freePort } from '../support/free-port.js';

let t: TestBridge | undefined;
let socket: FakeSocketMode | undefined;
afterEach(async () => {
  await t?.close();
  await socket?.close();
  t = undefined;
});

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('answers events over the WebSocket, acks them, and still serves its routes on PORT', async () => {
    const slack = await new FakeSlack().start();
    const dify = await new FakeDify().start();
    socket = await new FakeSocketMode().start();
    slack.socketUrl = socket.url;
    const port = await freePort();
    t = await startTestBridge({
      slack,
      dify,
      env: { SLACK_APP_TOKEN: slack.appToken, SLACK_SIGNING_SECRET: '', PORT: String(port), EXTENSION_API_KEY: 'socket-ext-key' },
    });
    await slack.waitFor(() => socket!.connected, 5000, 'the WebSocket connection');
    const ts = '1790000000.000100';
    const envelope = socket.deliver({
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: 'EvSocket1',
      event_time: 1790000000,
      event: { type: 'app_mention', user: 'UALICE', text: '<@UBOT> over the socket', ts, channel: 'C1', event_ts: ts, team: 'T1' },
    });
    await slack.waitFor(() => socket!.acks.find((a) => a['envelope_id'] === envelope), 5000, 'the ack');
    await slack.waitFor(() => slack.replies('C1', ts)[0]?.text === 'You said: over the socket', 5000, 'the answer');
    await settled(t);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true });
    const ping = await fetch(`http://127.0.0.1:${port}/api/dify/receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer socket-ext-key' },
      body: '{"point":"ping","params":{}}',
    });
    expect(await ping.text()).toBe('{"result":"pong"}');
    await t.close();
    t = undefined;
    await Promise.all([slack.close(), dify.close()]);
  });
});
