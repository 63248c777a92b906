import type { WebClient } from '@slack/web-api';
import type { OutgoingFile } from '../../core/ports.js';
import { isSlackUrl } from '../slack-hosts.js';

/**
 * Shares files in a thread with Slack's upload flow: files.getUploadURLExternal, the bytes
 * to the upload URL (no token: the URL is signed), then files.completeUploadExternal.
 */
export async function uploadFiles(
  client: WebClient,
  apiUrl: string | undefined,
  target: { channelId: string; threadTs?: string },
  files: OutgoingFile[],
): Promise<void> {
  if (files.length === 0) return;
  const uploaded: Array<{ id: string; title: string }> = [];
  for (const file of files) {
    const { upload_url: uploadUrl, file_id: fileId } = await client.files.getUploadURLExternal({ filename: file.filename, length: file.data.byteLength });
    if (!uploadUrl || !fileId) throw new Error('files.getUploadURLExternal returned no upload URL');
    if (!isSlackUrl(uploadUrl, apiUrl)) throw new Error('files.getUploadURLExternal returned an upload URL outside Slack');
    const res = await fetch(uploadUrl, {
      method: 'POST',
      headers: { 'content-type': file.mimeType ?? 'application/octet-stream' },
      body: file.data as Uint8Array<ArrayBuffer>,
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`Slack's upload URL answered HTTP ${res.status}`);
    uploaded.push({ id: fileId, title: file.filename });
  }
  await client.files.completeUploadExternal({
    files: uploaded as [{ id: string; title: string }],
    channel_id: target.channelId,
    ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
  });
}
