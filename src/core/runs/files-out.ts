import type { Logger } from 'pino';
import type { DifyClient } from '../../dify/client.js';
import type { AnswerSink, OutgoingFile } from '../ports.js';
import { describeError } from '../log-fields.js';
import type { RunFile } from '../streaming/workflow-state.js';

const MAX_OUTPUT_FILE_BYTES = 50 * 1024 * 1024;

/** Files a run produced (message_file events, workflow outputs) go into the answer's thread. */
export async function attachRunFiles(dify: Pick<DifyClient, 'downloadFile'>, appId: string, files: RunFile[], sink: AnswerSink, logger: Logger): Promise<void> {
  if (files.length === 0 || !sink.attachFiles) return;
  const out: OutgoingFile[] = [];
  for (const f of files) {
    try {
      const { data, mimeType } = await dify.downloadFile(appId, f.url, MAX_OUTPUT_FILE_BYTES);
      const type = f.mimeType ?? mimeType;
      out.push({ filename: f.filename, data, ...(type ? { mimeType: type } : {}) });
    } catch (err) {
      logger.warn({ err: describeError(err), file: f.filename }, 'could not fetch an output file from Dify');
    }
  }
  try {
    await sink.attachFiles(out);
  } catch (err) {
    logger.error({ err: describeError(err) }, 'could not upload output files to Slack');
  }
}
