import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AppCatalog } from '../../core/apps/app-catalog.js';
import { describeError } from '../../core/log-fields.js';
import { parseJson } from '../parse-json.js';
import { matchingOptions, modalMetadataSchema, OPTIONS_ACTION } from './input-modal.js';

/**
 * A select with more options than Slack's 100 asks for them as the person types
 * (block_suggestion, from the manifest's options load URL): the matching ones, at most 100.
 */
export function registerSuggestOptions(app: App, catalog: AppCatalog, logger: Logger): void {
  app.options<'block_suggestion'>({ action_id: OPTIONS_ACTION }, async ({ ack, body }) => {
    const b = body;
    const meta = modalMetadataSchema.safeParse(parseJson(b.view?.private_metadata));
    if (!meta.success || !catalog.has(meta.data.app)) return ack({ options: [] });
    try {
      const field = (await catalog.describe(meta.data.app)).fields.find((f) => f.variable === b.block_id);
      await ack({ options: field ? matchingOptions(field, b.value) : [] });
    } catch (err) {
      logger.warn({ err: describeError(err), app: meta.data.app }, "could not read the app from Dify for a menu's options");
      await ack({ options: [] });
    }
  });
}
