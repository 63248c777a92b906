import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge;
beforeEach(async () => {
  t = await startTestBridge({ env: { DIFY_API_KEY: '' }, bridgeConfig: { apps: { docs: { type: 'chat', apiKey: 'app-docs' } } } });
  t.dify.apps.set('app-docs', {
    mode: 'chat',
    name: 'Docs',
    fileUpload: {
      enabled: true,
      allowed_file_types: ['document', 'image'],
      allowed_file_extensions: [],
      allowed_file_upload_methods: ['local_file', 'remote_url'],
      number_limits: 2,
    },
  });
});
afterEach(async () => {
  await t.close();
});

const fileShare = (files: Array<Record<string, unknown>>) => ({ subtype: 'file_share', files });

describe('files from Slack to Dify', () => {
  it("uploads attached files to Dify as the thread's user and passes them as local_file", async () => {
    const url = t.slack.shareFile('F1', Buffer.from('%PDF-1.7 quarterly'), 'application/pdf');
    await t.message('summarize this', {
      channel: 'D1',
      channelType: 'im',
      extra: fileShare([{ id: 'F1', name: 'q3.pdf', mimetype: 'application/pdf', size: 18, url_private_download: url }]),
    });
    await settled(t);
    const [req] = t.dify.chatRequests();
    expect(t.dify.uploads).toHaveLength(1);
    expect(t.dify.uploads[0]).toMatchObject({ filename: 'q3.pdf', user: req!.body['user'], key: 'app-docs' });
    expect(req!.body['files']).toEqual([{ type: 'document', transfer_method: 'local_file', upload_file_id: t.dify.uploads[0]!.id }]);
    expect(t.slack.fileAuth).toEqual([`Bearer ${t.slack.token}`]);
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe('You said: summarize this');
  });

  it('names files the app does not take, and still answers', async () => {
    const url = t.slack.shareFile('F2', Buffer.from('MZ…'), 'application/x-msdownload');
    const pic = t.slack.shareFile('F3', Buffer.alloc(11 * 1024 * 1024), 'image/png');
    await t.message('what is this?', {
      channel: 'D1',
      channelType: 'im',
      extra: fileShare([
        { id: 'F2', name: 'tool.exe', mimetype: 'application/x-msdownload', size: 3, url_private_download: url },
        { id: 'F3', name: 'huge.png', mimetype: 'image/png', size: 11 * 1024 * 1024, url_private_download: pic },
      ]),
    });
    await settled(t);
    expect(t.dify.uploads).toHaveLength(1); // tool.exe is a "document" by type, so it is sent; huge.png is too big
    expect(t.slack.replies('D1', undefined)[0]!.text).toBe(
      "_Not sent to Dify: huge.png (it is larger than the app's 10 MB limit)._\n\nYou said: what is this?",
    );
  });

  it('never sends the bot token to a file URL outside Slack', async () => {
    await t.message('look', {
      channel: 'D1',
      channelType: 'im',
      extra: fileShare([
        { id: 'F9', name: 'x.pdf', mimetype: 'application/pdf', size: 10, url_private_download: `${t.dify.url.replace('/v1', '')}/files/steal` },
      ]),
    });
    await settled(t);
    expect(t.dify.fileAuth).toEqual([]);
    expect(t.dify.uploads).toHaveLength(0);
    expect(t.slack.replies('D1', undefined)[0]!.text).toMatch(/^_Not sent to Dify: x\.pdf \(refusing to send the bot token to 127\.0\.0\.1:\d+\)\._/);
  });

  it('passes no files to an app that takes none', async () => {
    t.dify.apps.get('app-docs')!.fileUpload = {};
    const url = t.slack.shareFile('F4', Buffer.from('hi'), 'text/plain');
    await t.message('read it', {
      channel: 'D1',
      channelType: 'im',
      extra: fileShare([{ id: 'F4', name: 'a.txt', mimetype: 'text/plain', size: 2, url_private_download: url }]),
    });
    await settled(t);
    expect(t.dify.uploads).toHaveLength(0);
    expect(t.slack.replies('D1', undefined)[0]!.text).toMatch(/^_Not sent to Dify: a\.txt \(this app does not take files\)\._/);
  });
});

describe('files from Dify to Slack', () => {
  it("uploads message_file outputs into the answer's thread, without sending Dify's key", async () => {
    t.dify.outputFiles.set('chart-1.png', { bytes: Buffer.from('PNG…chart'), mime: 'image/png' });
    t.dify.onChat = ({ events, res }) =>
      writeSse(res, [
        events.message('Here is the chart.'),
        {
          ...events.message(''),
          event: 'message_file',
          id: 'file-1',
          type: 'image',
          belongs_to: 'assistant',
          url: `${t.dify.url.replace('/v1', '')}/files/chart-1.png?timestamp=1&nonce=n&sign=s`,
        },
        events.messageEnd(),
      ]);
    t.dify.apps.get('app-docs')!.fileUpload = {};
    const { ts } = await t.mention('draw it');
    await settled(t);
    const files = [...t.slack.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'chart-1.png', channel: 'C1', thread_ts: ts });
    expect(files[0]!.bytes.toString()).toBe('PNG…chart');
    expect(t.dify.fileAuth).toEqual([undefined]);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('Here is the chart.');
  });
});
