import type { Logger } from 'pino';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import type { EventRouter } from './event-router.js';
import { toIncomingMessage } from './incoming-message.js';
import { teamOf } from './message.js';

/** A mention in a channel starts (or continues) the thread's conversation. */
export function registerAppMention(events: EventRouter, bridge: ChatBridge, logger: Logger): void {
  events.on('app_mention', async ({ event, body, context }) => {
    const msg = toIncomingMessage(event, { teamId: context.teamId ?? teamOf(body), botUserId: context.botUserId });
    if (!msg) {
      logger.debug('app_mention ignored: not a user message');
      return;
    }
    await bridge.handle(msg);
  });
}
