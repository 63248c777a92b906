import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SharedAnswers } from '../../core/chat/shared-answers.js';
import { describeError } from '../../core/log-fields.js';
import { parseJson } from '../parse-json.js';
import { SHARE_ACTION } from '../private-answer-sink.js';

const shareValue = z.object({ id: z.string().min(1) });

/** "Share in thread" under a private answer: the bot posts it for everyone, saying who shared it. */
export function registerShareAnswer(app: App, shares: SharedAnswers, logger: Logger): void {
  app.action<BlockAction<ButtonAction>>(SHARE_ACTION, async ({ ack, action, body, client, respond }) => {
    await ack();
    const value = shareValue.safeParse(parseJson(action.value));
    if (!value.success) return;
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => undefined);
    try {
      const answer = await shares.take(value.data.id);
      if (!answer) return void (await tell('This answer was shared already, or is too old to share.'));
      await client.chat.postMessage({
        channel: answer.channelId,
        ...(answer.threadTs ? { thread_ts: answer.threadTs } : {}),
        markdown_text: `${answer.text}\n\n_Shared by <@${body.user.id}>_`,
        unfurl_links: false,
        unfurl_media: false,
      });
      await respond({ response_type: 'ephemeral', replace_original: true, text: `${answer.text.slice(0, 2900)}\n\n_You shared this in the thread._` }).catch(
        () => undefined,
      );
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not share a private answer');
      await tell('⚠️ Could not share the answer; please try again.');
    }
  });
}
