import { setTimeout as delay } from 'node:timers/promises';
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CommandRunner } from '../../core/commands/command-runner.js';
import type { CommandPlan, CommandSurface } from '../../core/ports.js';
import { describeError } from '../../core/log-fields.js';
import { failureText } from '../../core/streaming/failure-text.js';
import { SlackAnswerWriter } from '../answer-writer.js';
import { ResponseUrl } from '../response-url.js';
import { isSlackUrl } from '../slack-hosts.js';
import { inputModal } from '../views/input-modal.js';
import { CommandResultSink } from './command-result-sink.js';
import type { FeedbackStyle } from '../blocks/feedback-style.js';

const commandSchema = z.looseObject({
  command: z.string().startsWith('/'),
  text: z.string().default(''),
  response_url: z.string(),
  trigger_id: z.string(),
  user_id: z.string().min(1),
  team_id: z.string().min(1),
  channel_id: z.string().min(1),
});

/** Past this, the form's trigger_id (valid 3 s) may expire before views.open. */
const PLAN_DEADLINE_MS = 2000;
/** An acknowledgement body holds a markdown block of up to 12,000 characters. */
const ACK_MARKDOWN_LIMIT = 11_000;

export interface CommandSurfaceOptions {
  apiUrl?: string;
  logger: Logger;
  /** Whether a chat app answers mentions (then results say how to chat about them). */
  chatEnabled: boolean;
  feedbackStyle?: FeedbackStyle;
}

/** Builds what a run needs from Slack: ephemeral replies, the visible result message. */
export function commandSurface(
  client: WebClient,
  responseUrl: ResponseUrl,
  channelId: string,
  botUserId: string | undefined,
  opts: CommandSurfaceOptions,
): CommandSurface {
  const bot = botUserId ? `<@${botUserId}>` : 'the bot';
  const logger = opts.logger.child({ channel: channelId });
  return {
    async reply(markdown) {
      if (!(await responseUrl.post(markdown, 'ephemeral'))) logger.warn('response_url used up or expired; an ephemeral reply was dropped');
    },
    resultSink: () =>
      new CommandResultSink(
        new SlackAnswerWriter(client, { channelId }, logger, {
          ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
          ...(opts.feedbackStyle ? { feedbackStyle: opts.feedbackStyle } : {}),
        }),
        responseUrl,
        `Add ${bot} to this channel (/invite) to see runs live.`,
        logger,
      ),
    ...(opts.chatEnabled ? { followUpHint: `Mention ${bot} in this thread to chat about it.` } : {}),
  };
}

/** `/dify` and every app's own command; any other command gets told how to set it up. */
export function registerCommands(app: App, runner: CommandRunner, commands: string[], opts: CommandSurfaceOptions): void {
  const unconfigured = new RegExp(`^(?!(${commands.map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$)`);
  app.command(unconfigured, async ({ command, ack }) => {
    await ack({
      response_type: 'ephemeral',
      text: `\`${command.command}\` is not set up in this bridge. Add \`"command": "${command.command}"\` to an app in BRIDGE_CONFIG, or remove the command from the Slack app.`,
    });
  });
  for (const name of commands) {
    app.command(name, async ({ command, ack, client, context }) => {
      const parsed = commandSchema.safeParse(command);
      if (!parsed.success || !isSlackUrl(parsed.data.response_url, opts.apiUrl)) {
        await ack({ response_type: 'ephemeral', text: 'That command arrived incomplete; please try again.' });
        return;
      }
      const c = parsed.data;
      const responseUrl = new ResponseUrl(c.response_url);
      const surface = commandSurface(client, responseUrl, c.channel_id, context.botUserId, opts);
      const who = { teamId: c.team_id, userId: c.user_id, channelId: c.channel_id };
      const logger = opts.logger.child({ command: c.command, team: c.team_id, user: c.user_id });

      const planning = runner.plan({ teamId: c.team_id, userId: c.user_id, channelId: c.channel_id, command: c.command, text: c.text });
      const early = await Promise.race([planning, delay(PLAN_DEADLINE_MS, undefined, { ref: false })]);
      let plan: CommandPlan;
      if (early) {
        plan = early;
      } else {
        await ack({ response_type: 'ephemeral', text: 'Asking Dify about this app…' });
        plan = await planning;
        if (plan.kind === 'form') {
          // Too late for this trigger; the app's details are cached now, so a retry is quick.
          await surface.reply(
            `Dify took a while to describe **${plan.app.id}**, so its form could not open. Run \`${c.command} ${c.command === '/dify' ? plan.app.id : ''}\` again.`,
          );
          return;
        }
        if (plan.kind === 'reply') return surface.reply(plan.markdown);
        return runner.run(plan, who, surface);
      }

      try {
        switch (plan.kind) {
          case 'reply':
            if (plan.markdown.length <= ACK_MARKDOWN_LIMIT) {
              await ack({ response_type: 'ephemeral', text: plan.markdown.slice(0, 3000), blocks: [{ type: 'markdown', text: plan.markdown }] } as never);
            } else {
              await ack();
              await surface.reply(plan.markdown);
            }
            return;
          case 'form':
            await ack();
            await client.views.open({
              trigger_id: c.trigger_id,
              view: inputModal(plan.app, plan.prefill, { app: plan.app.id, channel: c.channel_id, responseUrl: c.response_url }),
            });
            return;
          case 'run':
            await ack({ response_type: 'ephemeral', text: `Running *${plan.app.id}*…` });
            await runner.run(plan, who, surface);
            return;
        }
      } catch (err) {
        logger.error({ err: describeError(err) }, 'command failed');
        await surface.reply(failureText(err)).catch(() => undefined);
      }
    });
  }
}
