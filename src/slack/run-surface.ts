import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AnswerPlace, AnswerSink, RunSurface, SessionStatus } from '../core/ports.js';
import { slackErrorCode, SlackAnswerWriter } from './answer-writer.js';
import type { FeedbackStyle } from './blocks/feedback-style.js';

/** Answers to setStatus meaning "this app has no agent sessions here": not tried again in that workspace. */
const NO_SESSIONS = new Set(['not_authorized', 'feature_disabled', 'unknown_method', 'missing_scope', 'not_allowed_token_type', 'not_agent_app']);

/** What a run that outlives its request does in Slack: go on in its messages, tell one person, mirror an agent session. */
export class SlackRunSurface implements RunSurface {
  /** Workspaces where Slack said the app has no agent sessions. */
  private readonly noSessions = new Set<string>();

  constructor(
    private readonly clientOf: (teamId: string) => WebClient,
    private readonly logger: Logger,
    private readonly options: { apiUrl?: string; feedbackStyle: FeedbackStyle },
  ) {}

  continueAnswer(place: AnswerPlace, onPosted: (ts: string[]) => void): AnswerSink {
    const target = { channelId: place.channelId, ...(place.threadTs ? { threadTs: place.threadTs } : {}) };
    return new SlackAnswerWriter(this.clientOf(place.teamId), target, this.logger.child({ channel: place.channelId }), {
      ...(this.options.apiUrl ? { apiUrl: this.options.apiUrl } : {}),
      feedbackStyle: this.options.feedbackStyle,
      reply: { existing: place.messages, onPosted: async (ts) => onPosted(ts) },
    });
  }

  async tellPrivately(place: AnswerPlace, userId: string, markdown: string): Promise<void> {
    await this.clientOf(place.teamId).chat.postEphemeral({
      channel: place.channelId,
      user: userId,
      text: markdown,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
    });
  }

  async sessionStatus(place: AnswerPlace, status: SessionStatus): Promise<void> {
    if (!place.threadTs || this.noSessions.has(place.teamId)) return;
    try {
      await this.clientOf(place.teamId).agents.sessions.setStatus({ channel_id: place.channelId, thread_ts: place.threadTs, status });
    } catch (err) {
      const code = slackErrorCode(err) ?? 'error';
      if (NO_SESSIONS.has(code)) {
        this.noSessions.add(place.teamId);
        this.logger.info({ team: place.teamId, code }, 'Slack has no agent sessions for this app here; long runs carry on without session status');
      } else this.logger.debug({ code }, 'agents.sessions.setStatus failed');
    }
  }
}
