import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { SinkRateLimited, SinkUnavailable, type AnswerSink, type OutgoingFile } from '../core/answer-sink.js';
import type { ReplyTarget } from '../core/chat-bridge.js';
import { splitMarkdown } from '../markdown/split.js';
import { uploadFiles } from './files/upload-files.js';

/**
 * Slack's `markdown_text` takes 12,000 characters; pages stay below that with room to spare,
 * because Slack has rejected totals well under the documented limit.
 */
export const PAGE_LIMIT = 11_000;
const MIN_PAGE_LIMIT = 1_500;

/** Errors after which nothing more can be posted for this answer; each with what the operator should do. */
const UNAVAILABLE: Record<string, string> = {
  not_in_channel: 'The bot is not a member of channel {channel}: invite it there with /invite @<bot name>.',
  channel_not_found: 'Channel {channel} is not visible to the bot: invite the bot, or check that it is installed in this workspace.',
  is_archived: 'Channel {channel} is archived: nothing can be posted there.',
  restricted_action: 'Posting in channel {channel} is restricted by a workspace admin setting.',
  missing_scope: 'The bot token lacks a scope needed to post: reinstall the app from manifest.json.',
  invalid_auth: 'The bot token is invalid: check SLACK_BOT_TOKEN.',
  token_revoked: 'The bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN.',
  account_inactive: 'The bot token belongs to a deactivated app or user: reinstall the app.',
};

interface Page {
  ts?: string;
  text?: string;
}

/**
 * Shows one answer as one or more Slack messages in a thread: posts the first page, edits it
 * as the answer grows, posts further pages past the length limit and deletes pages a
 * shortened answer (message_replace) no longer needs. Standard Markdown goes out as
 * `markdown_text`, which Slack renders (no raw `**` or `##`).
 */
export class SlackAnswerWriter implements AnswerSink {
  private readonly pages: Page[] = [];
  private limit = PAGE_LIMIT;

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
    private readonly logger: Logger,
    /** SLACK_API_URL, if set: its host counts as Slack's for file uploads. */
    private readonly apiUrl?: string,
  ) {}

  /** Messages posted so far (their ts), first page first. */
  get messageTs(): string[] {
    return this.pages.flatMap((p) => (p.ts ? [p.ts] : []));
  }

  async show(markdown: string, _final: boolean): Promise<void> {
    for (;;) {
      try {
        await this.apply(splitMarkdown(markdown, this.limit));
        return;
      } catch (err) {
        if (slackErrorCode(err) === 'msg_too_long' && this.limit > MIN_PAGE_LIMIT) {
          // Slack counts differently from us (or lowered its limit): smaller pages, same text.
          this.limit = Math.max(MIN_PAGE_LIMIT, Math.floor(this.limit / 2));
          this.logger.warn({ limit: this.limit }, 'Slack said msg_too_long; splitting into smaller messages');
          continue;
        }
        throw this.translate(err);
      }
    }
  }

  /** Files go into the answer's thread (a top-level answer starts one). */
  async attachFiles(files: OutgoingFile[]): Promise<void> {
    const threadTs = this.target.threadTs ?? this.pages[0]?.ts;
    try {
      await uploadFiles(this.client, this.apiUrl, { channelId: this.target.channelId, ...(threadTs ? { threadTs } : {}) }, files);
    } catch (err) {
      throw this.translate(err);
    }
  }

  private async apply(texts: string[]): Promise<void> {
    const { channelId: channel, threadTs } = this.target;
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      const page = (this.pages[i] ??= {});
      if (!page.ts) {
        // Never retried automatically (the client has retries off): a retried post could appear twice.
        const res = await this.client.chat.postMessage({
          channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          markdown_text: text,
          unfurl_links: false,
          unfurl_media: false,
        });
        if (!res.ts) throw new Error('chat.postMessage returned no ts');
        page.ts = res.ts;
        page.text = text;
      } else if (page.text !== text) {
        await this.client.chat.update({ channel, ts: page.ts, markdown_text: text });
        page.text = text;
      }
    }
    while (this.pages.length > texts.length) {
      const last = this.pages[this.pages.length - 1]!;
      if (last.ts) await this.client.chat.delete({ channel, ts: last.ts });
      this.pages.pop();
    }
  }

  private translate(err: unknown): unknown {
    if (err instanceof WebAPIRateLimitedError) return new SinkRateLimited(Math.max(1, err.retryAfter) * 1000);
    const code = slackErrorCode(err);
    if (code === 'ratelimited') return new SinkRateLimited(1000);
    if (code && Object.hasOwn(UNAVAILABLE, code)) {
      return new SinkUnavailable(code, UNAVAILABLE[code]!.replace('{channel}', this.target.channelId));
    }
    return err;
  }
}

export function slackErrorCode(err: unknown): string | undefined {
  return err instanceof WebAPIPlatformError ? err.data.error : undefined;
}
