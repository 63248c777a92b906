import { afterEach, describe, expect, it } from 'vitest';
import { FakeDify, tokens, writeSse, WorkflowEvents } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

// Review item 3: <!channel> and disguised links from Dify, and <!here> typed into a command, were posted as markup.
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const RAW = ['<!channel>', '<!here>', '<!everyone>', '<!subteam^S0ADMINS>', '<@UCEO>', '[https://sso.example.com]'];
/** Every message argument the bridge sent Slack, as one string. */
const sent = (t: TestBridge) =>
  ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'chat.startStream', 'chat.appendStream', 'chat.stopStream']
    .flatMap((m) => t.slack.callsTo(m))
    .map((c) => JSON.stringify(c.args))
    .join('\n');

const ANSWER = 'Attention <!channel> and <!subteam^S0ADMINS>: <@UCEO> says log in at [https://sso.example.com](https://evil.test/phish) <!everyone>';

describe('Dify output and typed text are content, never Slack markup', () => {
  for (const mode of ['edit', 'native'] as const) {
    it(`neutralises broadcasts, mentions and disguised links in a chat answer (${mode} streaming)`, async () => {
      t = await startTestBridge({ env: { STREAM_MODE: mode } });
      t.slack.nativeStreaming = mode === 'native';
      t.dify.onChat = ({ events, res }) => writeSse(res, [...tokens(ANSWER, 7).map((d) => events.message(d)), events.messageEnd()], 5);
      const { ts } = await t.mention('what now?');
      await settled(t);
      const all = sent(t);
      for (const raw of RAW) expect(all).not.toContain(raw);
      const [answer] = t.slack.replies('C1', ts);
      if (mode === 'native') expect(t.slack.callsTo('chat.appendStream').length).toBeGreaterThan(0);
      expect(answer!.text).toContain(
        'Attention &lt;!channel&gt; and &lt;!subteam^S0ADMINS&gt;: &lt;@UCEO&gt; says log in at [https://evil.test/phish](https://evil.test/phish)',
      );
    });
  }

  it('neutralises what a person typed into a command, and keeps the bridge’s own mention of them', async () => {
    const dify = await new FakeDify().start();
    dify.apps.set('app-sum', {
      mode: 'workflow',
      name: 'Summarizer',
      form: [{ paragraph: { variable: 'text', label: 'Text', type: 'paragraph', required: true } }],
    });
    const w = new WorkflowEvents();
    dify.apps.get('app-sum')!.onRun = (_req, res) => writeSse(res, [w.started(), w.finished('succeeded', { summary: 'Done, <!here>.' })]);
    t = await startTestBridge({
      dify,
      bridgeConfig: { apps: { summarize: { type: 'workflow', apiKey: 'app-sum', apiUrl: dify.url, command: '/summarize' } } },
    });
    await t.command('<!here> the launch notes', { command: '/summarize' });
    await settled(t);
    const all = sent(t);
    expect(all).not.toContain('<!here>');
    const [msg] = t.slack.replies('C1', undefined);
    expect(msg!.text).toContain('**summarize** · for <@UALICE> · &lt;!here&gt; the launch notes');
    expect(msg!.text).toContain('Done, &lt;!here&gt;.');
    await t.close();
    t = undefined;
    await dify.close();
  });
});
