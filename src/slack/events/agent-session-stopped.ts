import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { encodeThreadKey } from '../../core/chat/keys.js';
import type { RunRegistry } from '../../core/runs/run-registry.js';

const stoppedSchema = z.looseObject({
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
  user: z.string().optional(),
  streaming_message_ts: z.array(z.string()).optional(),
});

/**
 * Slack's own stop button, shown on a natively streamed answer: the run in that thread stops
 * like with our Stop button (Dify asked to stop, the message ends with "(stopped)").
 */
export function registerAgentSessionStopped(app: App, runs: RunRegistry, logger: Logger): void {
  app.event('agent_session_stopped', async ({ event, body, context }) => {
    const parsed = stoppedSchema.safeParse(event);
    const teamId = context.teamId ?? (typeof body.team_id === 'string' ? body.team_id : undefined);
    if (!parsed.success || !teamId) {
      logger.warn('agent_session_stopped without a channel, thread or team; ignored');
      return;
    }
    const { channel, thread_ts: threadTs, user } = parsed.data;
    logger.info({ channel, thread: threadTs, user }, 'Slack stop pressed');
    await runs.stopThread(encodeThreadKey({ teamId, channelId: channel, threadTs }));
  });
}
