import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppCatalog } from '../../core/apps/app-catalog.js';
import { describeError } from '../../core/log-fields.js';
import { suggestedPrompts } from '../blocks/suggested-prompts.js';

const startedSchema = z.looseObject({
  assistant_thread: z.looseObject({ user_id: z.string(), channel_id: z.string(), thread_ts: z.string() }),
});

/**
 * A new assistant thread (Slack's AI surface): the chat app's opening statement, and its
 * suggested questions as Slack's suggested prompts (at most 4).
 */
export function registerAssistantThreadStarted(app: App, catalog: AppCatalog, defaultApp: string | undefined, logger: Logger): void {
  app.event('assistant_thread_started', async ({ event, client }) => {
    const parsed = startedSchema.safeParse(event);
    if (!parsed.success || !defaultApp) return;
    const { channel_id: channel, thread_ts: threadTs } = parsed.data.assistant_thread;
    try {
      const about = await catalog.describe(defaultApp);
      if (about.openingStatement) await client.chat.postMessage({ channel, thread_ts: threadTs, markdown_text: about.openingStatement });
      // After the greeting: the prompts attach to the channel's latest message.
      if (about.suggestedQuestions.length) await client.assistant.threads.setSuggestedPrompts(suggestedPrompts(channel, about.suggestedQuestions));
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not greet a new assistant thread');
    }
  });
}
