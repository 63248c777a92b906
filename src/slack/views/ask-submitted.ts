import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import type { App, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { describeError } from '../../core/log-fields.js';
import { parseJson } from '../parse-json.js';
import { ASK_APP_BLOCK, ASK_CALLBACK_ID, ASK_QUESTION_BLOCK, askMetadataSchema } from '../shortcuts/ask-about-message.js';

/**
 * The "Ask Dify about this" modal submitted: the question is posted in the message's thread
 * (everyone sees what was asked, and by whom) and asked with the message as its context.
 */
export function registerAskSubmitted(app: App, chat: ChatBridge, logger: Logger): void {
  app.view<ViewSubmitAction>(ASK_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const meta = askMetadataSchema.safeParse(parseJson(view.private_metadata));
    const question = view.state.values[ASK_QUESTION_BLOCK]?.['q']?.value?.trim() ?? '';
    if (!meta.success) {
      await ack();
      logger.warn('an "Ask Dify about this" submission without its message; ignored');
      return;
    }
    if (!question) {
      await ack({ response_action: 'errors', errors: { [ASK_QUESTION_BLOCK]: 'Write a question about the message.' } });
      return;
    }
    await ack();
    const m = meta.data;
    const appId = m.app ?? view.state.values[ASK_APP_BLOCK]?.['app']?.selected_option?.value ?? undefined;
    try {
      const posted = await client.chat.postMessage({
        channel: m.channel,
        thread_ts: m.thread,
        markdown_text: `<@${body.user.id}> asked about ${m.ts === m.thread ? 'this message' : 'a message in this thread'}: ${neutralizeSlackMarkup(question)}`,
      });
      if (!posted.ts) return;
      await chat.handle({
        teamId: m.team,
        channelId: m.channel,
        channelType: m.channel.startsWith('D') ? 'im' : 'channel',
        ts: posted.ts,
        threadTs: m.thread,
        userId: body.user.id,
        text: question,
        mentioned: true,
        about: { ts: m.ts, ...(m.author ? { userId: m.author } : {}), text: m.text },
        ...(m.files ? { files: m.files.map(({ url, ...f }) => ({ ...f, ...(url ? { url } : {}) })) } : {}),
        ...(appId ? { appId } : {}),
      });
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not ask the question about the message');
    }
  });
}
