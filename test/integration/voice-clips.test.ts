import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A DM with an audio clip, as Slack delivers it (file_share, the clip's mimetype and private download URL). */
async function sendClip(t: TestBridge, o: { text?: string; mimetype?: string; size?: number } = {}) {
  const mimetype = o.mimetype ?? 'audio/mp4';
  const url = t.slack.shareFile('FA1', Buffer.from('RIFF…audio'), mimetype);
  await t.message(o.text ?? '', {
    channel: 'D1',
    channelType: 'im',
    extra: {
      subtype: 'file_share',
      files: [{ id: 'FA1', name: 'audio_message.m4a', mimetype, size: o.size ?? 10, url_private_download: url, subtype: 'slack_audio' }],
    },
  });
  await settled(t);
}

async function bridge(speechToText: boolean): Promise<TestBridge> {
  const b = await startTestBridge({ bridgeConfig: { apps: { voice: { type: 'chat', apiKey: 'app-voice' } } }, env: { DIFY_API_KEY: '' } });
  b.dify.apps.set('app-voice', { mode: 'chat', name: 'Voice', speechToText, transcript: 'How many vacation days do I have left?' });
  return b;
}

describe('voice clips', () => {
  it('turns a clip into text with the app’s speech-to-text, quotes it in the answer and asks it', async () => {
    t = await bridge(true);
    await sendClip(t);
    expect(t.dify.transcribed).toEqual([{ key: 'app-voice', filename: 'audio_message.m4a', type: 'audio/mp4' }]);
    // Fetched from Slack with the bot token; the clip itself is not uploaded as a file.
    expect(t.slack.fileAuth).toEqual([`Bearer ${t.slack.token}`]);
    expect(t.dify.uploads).toHaveLength(0);
    expect(t.dify.chatRequests()[0]!.body['query']).toBe('How many vacation days do I have left?');
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe('> 🎙 How many vacation days do I have left?\n\nYou said: How many vacation days do I have left?');
  });

  it('says why a clip was not used: speech-to-text off, a format Dify refuses, too large; text with it is still asked', async () => {
    t = await bridge(false);
    await sendClip(t);
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe(
      '⚠️ audio_message.m4a: `voice` does not turn voice into text (speech-to-text is off for it in Dify), so the clip was not used.',
    );
    expect(t.dify.chatRequests()).toHaveLength(0);
    await t.close();

    t = await bridge(true);
    await sendClip(t, { mimetype: 'audio/ogg', text: 'and this?' });
    expect(t.dify.chatRequests()[0]!.body['query']).toBe('and this?');
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe(
      '_audio_message.m4a: Dify does not take this audio format (audio/ogg; mp3, m4a, wav and amr work)._\n\nYou said: and this?',
    );
    await t.close();

    t = await bridge(true);
    await sendClip(t, { size: 31 * 1024 * 1024 });
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe("⚠️ audio_message.m4a: too large for Dify's speech-to-text (31 MB; at most 30 MB).");
    expect(t.dify.transcribed).toHaveLength(0);
  });
});
