import type { App } from '@slack/bolt';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { toIncomingMessage } from './incoming-message.js';

/** A mention in a channel starts (or continues) the thread's conversation. */
export function registerAppMention(app: App, bridge: ChatBridge): void {
  app.event('app_mention', async ({ event, body, context, logger }) => {
    const msg = toIncomingMessage(event, { teamId: context.teamId ?? body.team_id, botUserId: context.botUserId });
    if (!msg) {
      logger.debug('app_mention ignored: not a user message');
      return;
    }
    await bridge.handle(msg);
  });
}
