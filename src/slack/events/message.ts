import type { App } from '@slack/bolt';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { toIncomingMessage } from './incoming-message.js';

/** DMs, and replies without a mention in threads the bot already answers in. */
export function registerMessage(app: App, bridge: ChatBridge): void {
  app.event('message', async ({ event, body, context }) => {
    const msg = toIncomingMessage(event, { teamId: context.teamId ?? body.team_id, botUserId: context.botUserId });
    if (!msg) return;
    await bridge.handle(msg);
  });
}
