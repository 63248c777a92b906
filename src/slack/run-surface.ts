import type { WebClient } from '@slack/web-api';
import { describeError } from '../core/log-fields.js';
import type { Logger } from 'pino';
import type { AnswerPlace, AnswerSink, RunSurface, SessionStatus } from '../core/ports.js';
import { slackErrorCode, SlackAnswerWriter } from './answer-writer.js';
import type { FeedbackStyle } from './blocks/feedback-style.js';

/** Answers to setStatus meaning "this app has no agent sessions here": not tried again in that workspace. */
const NO_SESSIONS = new Set(['not_authorized', 'feature_disabled', 'unknown_method', 'missing_scope', 'not_allowed_token_type', 'not_agent_app']);

/** What a run that outlives its request does in Slack: go on in its messages, tell one person, mirror an agent session. */
export class SlackRunSurface implements RunSurface {
  /** Per workspace, whether Slack takes session statuses (the first call's answer; later calls wait for it). */
  private readonly sessions = new Map<string, Promise<boolean>>();

  constructor(
    private readonly clientOf: (teamId: string) => WebClient,
    private readonly logger: Logger,
    private readonly options: { apiUrl?: string; feedbackStyle: FeedbackStyle },
  ) {}

  continueAnswer(place: AnswerPlace, onPosted: (ts: string[]) => void): AnswerSink {
    const target = { channelId: place.channelId, ...(place.threadTs ? { threadTs: place.threadTs } : {}) };
    const writer = new SlackAnswerWriter(this.clientOf(place.teamId), target, this.logger.child({ channel: place.channelId }), {
      ...(this.options.apiUrl ? { apiUrl: this.options.apiUrl } : {}),
      feedbackStyle: this.options.feedbackStyle,
      reply: { existing: place.messages, onPosted: async (ts) => onPosted(ts) },
    });
    if (place.persona) writer.speakAs(place.persona);
    return writer;
  }

  async tellPrivately(place: AnswerPlace, userId: string, markdown: string): Promise<void> {
    await this.clientOf(place.teamId).chat.postEphemeral({
      channel: place.channelId,
      user: userId,
      text: markdown,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
    });
  }

  async directChannel(teamId: string, userId: string): Promise<string | undefined> {
    try {
      const res = await this.clientOf(teamId).conversations.open({ users: userId });
      return typeof res.channel?.id === 'string' ? res.channel.id : undefined;
    } catch (err) {
      this.logger.warn({ err: describeError(err), user: userId }, 'could not open a DM with the person (im:write scope?)');
      return undefined;
    }
  }

  async renameSession(place: AnswerPlace, title: string): Promise<void> {
    if (!place.threadTs) return;
    const known = this.sessions.get(place.teamId);
    if (known && !(await known)) return;
    await this.clientOf(place.teamId)
      .agents.sessions.rename({ channel_id: place.channelId, thread_ts: place.threadTs, title: title.slice(0, 200) })
      .catch((err: unknown) => this.logger.debug({ code: slackErrorCode(err) }, 'agents.sessions.rename failed'));
  }

  async sessionStatus(place: AnswerPlace, status: SessionStatus): Promise<void> {
    const { threadTs } = place;
    if (!threadTs) return;
    const known = this.sessions.get(place.teamId);
    if (known && !(await known)) return;
    const attempt = this.clientOf(place.teamId)
      .agents.sessions.setStatus({ channel_id: place.channelId, thread_ts: threadTs, status })
      .then(
        () => true,
        (err: unknown) => {
          const code = slackErrorCode(err) ?? 'error';
          if (!NO_SESSIONS.has(code)) {
            this.logger.debug({ code }, 'agents.sessions.setStatus failed');
            return true;
          }
          this.logger.info({ team: place.teamId, code }, 'Slack has no agent sessions for this app here; long runs carry on without session status');
          return false;
        },
      );
    if (!known) this.sessions.set(place.teamId, attempt);
    await attempt;
  }
}
