import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { describeError } from '../../core/log-fields.js';
import type { IncomingFile } from '../../core/ports.js';
import type { RunFollower } from '../../core/runs/run-follower.js';
import { downloadSlackFile } from '../files/download-file.js';
import { parseJson } from '../parse-json.js';
import { asFormField, HUMAN_INPUT_CALLBACK_ID, humanInputMetadataSchema } from './human-input-modal.js';
import { readSubmission, stateValuesSchema } from './read-submission.js';

const MAX_INPUT_FILE_BYTES = 15 * 1024 * 1024;

/**
 * A Human Input modal was submitted. Without files, Dify's verdict comes back into the modal
 * (its field errors, the form left open); with files (fetched from Slack first, which can take
 * longer than Slack waits) the modal closes and a refusal is a private line.
 */
export function registerHumanInputSubmitted(app: App, follower: RunFollower, opts: { logger: Logger; apiUrl?: string }): void {
  app.view(HUMAN_INPUT_CALLBACK_ID, async ({ ack, body, view, client, context }) => {
    const meta = humanInputMetadataSchema.safeParse(parseJson(view.private_metadata));
    const state = stateValuesSchema.safeParse(view.state.values);
    if (!meta.success || !state.success) {
      await ack();
      return;
    }
    const m = meta.data;
    const press = { teamId: m.teamId, userId: body.user.id, runId: m.runId, pause: m.pause, index: m.index, actionId: m.actionId };
    const logger = opts.logger.child({ run: m.runId, user: body.user.id });
    const tell = (text: string) =>
      client.chat
        .postEphemeral({ channel: m.channel, user: body.user.id, text })
        .catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not tell'));
    const found = await follower.press(press).catch(() => undefined);
    if (!found || found.kind !== 'modal') {
      await ack({
        response_action: 'errors',
        errors: { [firstBlock(view.blocks)]: found && 'markdown' in found ? found.markdown.slice(0, 150) : 'This form is closed.' },
      } as never);
      return;
    }
    const fields = found.form.fields.map(asFormField);
    const read = readSubmission(fields, state.data);
    if (Object.keys(read.errors).length > 0) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const values = Object.fromEntries(Object.entries(read.values).map(([k, v]) => [k, String(v)]));
    if (Object.keys(read.files).length === 0) {
      const result = await follower.answer(press, values, {}).catch((err: unknown) => {
        logger.warn({ err: describeError(err) }, 'could not answer a Human Input form');
        return { kind: 'refused' as const, markdown: '⚠️ Could not send the answer to Dify; please try again.' };
      });
      if (result.kind === 'rejected') {
        const errors = Object.fromEntries(Object.entries(result.fields).filter(([k]) => view.blocks.some((b) => b.block_id === k)));
        await ack({ response_action: 'errors', errors: Object.keys(errors).length ? errors : { [firstBlock(view.blocks)]: result.markdown.slice(0, 150) } });
        return;
      }
      await ack();
      if (result.kind === 'refused') await tell(result.markdown);
      return;
    }
    await ack();
    const files: Record<string, IncomingFile[]> = {};
    try {
      const token = context.botToken;
      if (!token) throw new Error('no bot token for this workspace');
      for (const [name, refs] of Object.entries(read.files)) {
        files[name] = [];
        for (const ref of refs) {
          const source = ref.url_private_download ?? ref.url_private;
          if (!source) throw new Error(`the file ${ref.name ?? ref.id} has no download URL`);
          const { data, mimeType } = await downloadSlackFile(source, token, {
            maxBytes: MAX_INPUT_FILE_BYTES,
            ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
          });
          files[name].push({ filename: ref.name ?? ref.id, mimeType: ref.mimetype ?? mimeType ?? 'application/octet-stream', data });
        }
      }
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not fetch a file from Slack');
      await tell(`⚠️ Couldn't read the attached file: ${err instanceof Error ? err.message : 'unknown error'}. The form is still open.`);
      return;
    }
    const result = await follower
      .answer(press, values, files)
      .catch(() => ({ kind: 'refused' as const, markdown: '⚠️ Could not send the answer to Dify; please try again.' }));
    if (result.kind === 'refused' || result.kind === 'rejected') await tell(`${result.markdown} The form is still open.`);
  });
}

function firstBlock(blocks: Array<{ block_id?: string; type: string }>): string {
  return blocks.find((b) => b.type === 'input' && b.block_id !== undefined)?.block_id ?? '';
}
