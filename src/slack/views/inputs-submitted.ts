import type { App } from '@slack/bolt';
import type { AppCatalog } from '../../core/apps/app-catalog.js';
import type { CommandRunner } from '../../core/commands/command-runner.js';
import type { IncomingFile } from '../../core/ports.js';
import { describeError } from '../../core/log-fields.js';
import { commandSurface, type CommandSurfaceOptions } from '../commands/run-command.js';
import { downloadSlackFile } from '../files/download-file.js';
import { ResponseUrl } from '../response-url.js';
import { isSlackUrl } from '../slack-hosts.js';
import { INPUTS_CALLBACK_ID, modalMetadataSchema } from './input-modal.js';
import { readSubmission, stateValuesSchema } from './read-submission.js';
import { parseJson } from '../parse-json.js';

const MAX_INPUT_FILE_BYTES = 15 * 1024 * 1024;

/** The input form was submitted: check it (errors go back into the form), then run the app. */
export function registerInputsSubmitted(app: App, runner: CommandRunner, catalog: AppCatalog, opts: CommandSurfaceOptions): void {
  app.view(INPUTS_CALLBACK_ID, async ({ ack, body, view, client, context }) => {
    const meta = modalMetadataSchema.safeParse(parseJson(view.private_metadata));
    const state = stateValuesSchema.safeParse(view.state.values);
    if (!meta.success || !state.success || !catalog.has(meta.data.app) || !isSlackUrl(meta.data.responseUrl, opts.apiUrl)) {
      await ack({ response_action: 'errors', errors: {} } as never);
      return;
    }
    const { app: appId, channel, responseUrl: url } = meta.data;
    const logger = opts.logger.child({ app: appId, user: body.user.id });
    let fields;
    try {
      fields = (await catalog.describe(appId)).fields;
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not read the app from Dify');
      await ack({
        response_action: 'errors',
        errors: { [view.blocks.find((b) => b.block_id)?.block_id ?? '']: 'Dify is not reachable right now; try again in a moment.' },
      } as never);
      return;
    }
    const read = readSubmission(fields, state.data);
    if (Object.keys(read.errors).length > 0) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    await ack();

    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const surface = commandSurface(client, new ResponseUrl(url), channel, context.botUserId, opts);
    const files: Record<string, IncomingFile[]> = {};
    try {
      // The workspace's own bot token (Bolt's authorization), sent to Slack's file hosts only.
      const token = context.botToken;
      if (!token && Object.keys(read.files).length) throw new Error('no bot token for this workspace');
      for (const [variable, refs] of Object.entries(read.files)) {
        files[variable] = [];
        for (const ref of refs) {
          const source = ref.url_private_download ?? ref.url_private;
          if (!source) throw new Error(`the file ${ref.name ?? ref.id} has no download URL`);
          const { data, mimeType } = await downloadSlackFile(source, token!, {
            maxBytes: MAX_INPUT_FILE_BYTES,
            ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
          });
          files[variable].push({ filename: ref.name ?? ref.id, mimeType: ref.mimetype ?? mimeType ?? 'application/octet-stream', data });
        }
      }
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not fetch a file from Slack');
      await surface.reply(`⚠️ Couldn't read the attached file: ${err instanceof Error ? err.message : 'unknown error'}.`);
      return;
    }
    await runner.submit({ appId, who: { teamId, userId: body.user.id, channelId: channel }, values: read.values, files }, surface);
  });
}
