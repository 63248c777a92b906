import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IncomingFile, SlackDirectory } from '../../core/ports.js';
import type { StepRunner } from '../../core/steps/step-runner.js';
import type { WebClient } from '@slack/web-api';
import { STEP_ASK_IN, STEP_RUN_FOR } from '../manifest-functions.js';
import type { SlackStepCompleter } from './step-completer.js';

/** The parts of function_executed the bridge uses (slack-platform.md §14.5). */
const executedSchema = z.looseObject({
  function_execution_id: z.string().min(1),
  bot_access_token: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).nullish(),
});
const fileSchema = z.looseObject({
  file: z.looseObject({
    name: z.string().optional(),
    mimetype: z.string().optional(),
    url_private_download: z.string().optional(),
    url_private: z.string().optional(),
  }),
});

const MAX_FILE_BYTES = 15 * 1024 * 1024;
const slackId = (v: unknown, prefix: RegExp) => (typeof v === 'string' && prefix.test(v) ? v : undefined);

export interface WorkflowStepDeps {
  runner: StepRunner;
  completer: SlackStepCompleter;
  directory: Pick<SlackDirectory, 'fetchFile'>;
  /** The bot's own client in a workspace (files are read with the bot token, as everywhere else). */
  clientOf(teamId: string): WebClient;
  logger: Logger;
}

/**
 * Each workflow app with `workflowStep` is a custom step (`app.function`): Bolt acknowledges
 * the event at once; the run goes on in the core, which ends the step when the workflow ends.
 */
export function registerWorkflowSteps(app: App, steps: Array<{ appId: string; callbackId: string }>, deps: WorkflowStepDeps): void {
  for (const { appId, callbackId } of steps) {
    app.function(callbackId, async ({ event, body }) => {
      const parsed = executedSchema.safeParse(event);
      const teamId = typeof body.team_id === 'string' ? body.team_id : '';
      if (!parsed.success || !teamId) {
        deps.logger.warn(
          { step: callbackId, problem: parsed.success ? 'no team_id' : parsed.error.issues[0]?.message },
          'ignoring a malformed function_executed event',
        );
        return;
      }
      const e = parsed.data;
      const { [STEP_RUN_FOR]: runFor, [STEP_ASK_IN]: askIn, ...inputs } = e.inputs ?? {};
      const user = slackId(runFor, /^[UW][A-Z0-9]+$/);
      const channel = slackId(askIn, /^[CGD][A-Z0-9]+$/);
      const fetchFile = async (fileId: string): Promise<IncomingFile> => {
        const info = fileSchema.parse(await deps.clientOf(teamId).files.info({ file: fileId }));
        const url = info.file.url_private_download ?? info.file.url_private;
        if (!url) throw new Error(`Slack gives no download for file ${fileId}`);
        const got = await deps.directory.fetchFile(teamId, url, MAX_FILE_BYTES);
        return { filename: info.file.name ?? fileId, mimeType: info.file.mimetype ?? got.mimeType ?? 'application/octet-stream', data: got.data };
      };
      void deps.runner.start({
        teamId,
        appId,
        executionId: e.function_execution_id,
        completion: deps.completer.seal(e.bot_access_token, e.function_execution_id),
        inputs,
        ...(user ? { runFor: user } : {}),
        ...(channel ? { askIn: channel } : {}),
        fetchFile,
      });
    });
  }
}
