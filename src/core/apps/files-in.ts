import type { Logger } from 'pino';
import type { DifyClient, DifyFile } from '../../dify/client.js';
import type { SharedFile, SlackDirectory } from '../ports.js';
import { difyFileType, refusal, type FilePolicy } from './file-policy.js';
import { describeError } from '../log-fields.js';

/**
 * Files a user attached: checked against the app's file settings, fetched from Slack, uploaded
 * to Dify as the thread's user, and passed as local_file. Those that cannot go are named.
 */
export async function sendFiles(
  deps: { dify: Pick<DifyClient, 'uploadFile'>; directory: Pick<SlackDirectory, 'fetchFile'> },
  appId: string,
  policy: FilePolicy,
  shared: SharedFile[],
  who: { teamId: string; difyUser: string },
  logger: Logger,
): Promise<{ files: DifyFile[]; refused: string[] }> {
  const files: DifyFile[] = [];
  const refused: string[] = [];
  for (const file of shared) {
    const why = !file.url ? 'Slack gives no download for it' : refusal(policy, { name: file.name, mimeType: file.mimeType, size: file.size }, files.length);
    if (why) {
      refused.push(`${file.name} (${why})`);
      continue;
    }
    try {
      const type = difyFileType(file.mimeType);
      const { data } = await deps.directory.fetchFile(who.teamId, file.url!, policy.maxBytes[type]);
      const { id } = await deps.dify.uploadFile(appId, { data, filename: file.name, mimeType: file.mimeType, user: who.difyUser });
      files.push({ type, transfer_method: 'local_file', upload_file_id: id });
    } catch (err) {
      logger.warn({ err: describeError(err), file: file.name }, 'could not pass a file to Dify');
      refused.push(`${file.name} (${err instanceof Error ? err.message : 'it could not be read'})`);
    }
  }
  return { files, refused };
}
