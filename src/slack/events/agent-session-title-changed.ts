import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';

const renamedSchema = z.looseObject({
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
  user: z.string().min(1),
  title: z.string(),
  team_id: z.string().optional(),
});

/** A person renamed an agent session in Slack: the thread's Dify conversation gets the same name. */
export function registerAgentSessionTitleChanged(app: App, bridge: ChatBridge): void {
  app.event('agent_session_title_changed', async ({ event, body, context }) => {
    const parsed = renamedSchema.safeParse(event);
    const teamId = context.teamId ?? parsed.data?.team_id ?? (typeof body.team_id === 'string' ? body.team_id : undefined);
    if (!parsed.success || !teamId) return;
    await bridge.sessionRenamed({
      teamId,
      channelId: parsed.data.channel,
      threadTs: parsed.data.thread_ts,
      userId: parsed.data.user,
      title: parsed.data.title,
    });
  });
}
