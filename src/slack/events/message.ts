import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import type { EventRouter } from './event-router.js';
import { toIncomingMessage } from './incoming-message.js';

/** DMs, and replies without a mention in threads the bot already answers in. */
export function registerMessage(events: EventRouter, bridge: ChatBridge): void {
  events.on('message', async ({ event, body, context }) => {
    const msg = toIncomingMessage(event, { teamId: context.teamId ?? teamOf(body), botUserId: context.botUserId });
    if (!msg) return;
    await bridge.handle(msg);
  });
}

/** The delivery's own team id, when the context has none. */
export const teamOf = (body: { team_id?: unknown }): string | undefined => (typeof body.team_id === 'string' ? body.team_id : undefined);
