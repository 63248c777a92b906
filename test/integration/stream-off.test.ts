import { afterEach, describe, expect, it } from 'vitest';
import { writeSse, slowChat } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

/** STREAM_MODE=off: one message per answer (a placeholder, then the final), and everything else as when streaming. */
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const off = () => startTestBridge({ env: { STREAM_MODE: 'off' } });

const slowAnswer = (b: TestBridge) => slowChat(b.dify, 60);

describe('STREAM_MODE=off', () => {
  it('shows a placeholder with Stop while Dify runs and never edits in between; Stop stops the Dify run', async () => {
    t = await off();
    const dify = slowAnswer(t);
    const { ts } = await t.mention('talk a lot');
    const placeholder = await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0], 3000, 'the placeholder');
    expect(placeholder.text).toBe('_Thinking…_');
    expect(JSON.stringify(placeholder.blocks)).toContain('dify_stop');
    await t.press(placeholder, 'dify_stop');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toMatch(/^w0 w1 .*\n\n_\(stopped\)_$/s);
    // One post and one final edit: nothing streamed in between.
    expect(reply!.history).toHaveLength(2);
    await t.slack.waitFor(() => dify.closedEarly(), 2000, 'the Dify stream cut short');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
  });

  it('puts 👍/👎 on the final answer, and a rating reaches Dify', async () => {
    t = await off();
    const { ts } = await t.mention('rate me');
    await settled(t);
    const reply = t.slack.replies('C1', ts)[0]!;
    expect(reply.text).toBe('You said: rate me');
    await t.press(reply, 'dify_feedback', { choice: 'positive' });
    const like = await t.slack.waitFor(() => t!.dify.requests.find((r) => r.path.endsWith('/feedbacks')), 2000, 'the like');
    expect(like.body).toEqual({ rating: 'like', user: t.dify.chatRequests()[0]!.body['user'] });
  });

  it('uploads a file Dify produced into the thread', async () => {
    t = await off();
    t.dify.outputFiles.set('report.pdf', { bytes: Buffer.from('%PDF report'), mime: 'application/pdf' });
    t.dify.onChat = ({ events, res }) =>
      writeSse(res, [
        events.message('Here is the report.'),
        {
          ...events.message(''),
          event: 'message_file',
          id: 'file-1',
          type: 'document',
          belongs_to: 'assistant',
          url: `${t!.dify.url.replace('/v1', '')}/files/report.pdf`,
        },
        events.messageEnd(),
      ]);
    const { ts } = await t.mention('the report please');
    await settled(t);
    const files = [...t.slack.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'report.pdf', channel: 'C1', thread_ts: ts });
    expect(files[0]!.bytes.toString()).toBe('%PDF report');
  });

  it('ends an answer cut by a shutdown with its partial text and the interrupt line', async () => {
    t = await off();
    slowAnswer(t);
    const { ts } = await t.mention('long answer');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0], 3000, 'the placeholder');
    await t.bridge.stop(300);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toMatch(/^w0 w1 .*\n\n_\(interrupted, please ask again\)_$/s);
    expect(t.dify.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(1);
    t = undefined; // already stopped
  });

  it("delivers an answer that outlasts a proxy's cut of blocking requests, whole", async () => {
    t = await off();
    // Like Dify Cloud's edge proxy (about 100 s, here 0.3 s): a blocking request is cut; a stream lives on.
    const words = Array.from({ length: 40 }, (_, i) => `part${i}`);
    t.dify.onChat = async ({ req, events, res }) => {
      if (req.body['response_mode'] === 'blocking') {
        setTimeout(() => res.destroy(), 300);
        return;
      }
      await writeSse(res, [...words.map((w) => events.message(`${w} `)), events.messageEnd()], 40);
    };
    const { ts } = await t.mention('a long one');
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => m.text.trimEnd())).toEqual([words.join(' ')]);
    expect(t.slack.replies('C1', ts)[0]!.history.length).toBeLessThanOrEqual(2);
  });

  it('counts the first token and first text in the metrics, like the streaming modes', async () => {
    t = await off();
    await t.mention('measure me');
    await settled(t);
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/bridge_dify_first_token_seconds_count\{app="default"\} 1/);
    expect(metrics).toMatch(/bridge_slack_first_text_seconds_count\{app="default"\} 1/);
    expect(metrics).toMatch(/bridge_dify_runs_total\{app="default",kind="chat",outcome="answered"\} 1/);
  });
});
