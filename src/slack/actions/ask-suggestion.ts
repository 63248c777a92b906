import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { describeError } from '../../core/log-fields.js';
import { SUGGEST_ACTIONS, suggestValueSchema } from '../blocks/answer-controls.js';
import { parseJson } from '../parse-json.js';

/**
 * A suggested follow-up pressed: the question is posted in the thread (so everyone sees what
 * was asked, and by whom) and asked like a message of the person who pressed it.
 */
export function registerAskSuggestion(app: App, chat: ChatBridge, logger: Logger): void {
  app.action<BlockAction<ButtonAction>>(SUGGEST_ACTIONS, async ({ ack, action, body, client, context }) => {
    await ack();
    const value = suggestValueSchema.safeParse(parseJson(action.value));
    const teamId = context.teamId ?? body.team?.id;
    if (!value.success || !body.channel || !body.message || !teamId) return;
    const channelId = body.channel.id;
    const threadTs = typeof body.message['thread_ts'] === 'string' ? body.message['thread_ts'] : undefined;
    try {
      const posted = await client.chat.postMessage({
        channel: channelId,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        markdown_text: `<@${body.user.id}> asked: ${neutralizeSlackMarkup(value.data.q)}`,
      });
      if (!posted.ts) return;
      await chat.handle({
        teamId,
        channelId,
        channelType: channelId.startsWith('D') ? 'im' : 'channel',
        ts: posted.ts,
        ...(threadTs ? { threadTs } : {}),
        userId: body.user.id,
        text: value.data.q,
        mentioned: true,
        followUp: true,
      });
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not ask the suggested question');
    }
  });
}
