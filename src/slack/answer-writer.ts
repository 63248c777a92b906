import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, type WebClient } from '@slack/web-api';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import { describeError } from '../core/log-fields.js';
import { SinkRateLimited, SinkUnavailable, type AnswerControls, type AnswerSink, type OutgoingFile, type Persona } from '../core/ports.js';
import { controlsBlocks } from './blocks/answer-controls.js';
import { footerBlocks } from './blocks/answer-footer.js';
import { contentBlocks } from './blocks/table-blocks.js';
import type { FeedbackStyle } from './blocks/feedback-style.js';
import type { ReplyTarget, ReplyTracking } from '../core/ports.js';
import { splitMarkdown } from '../markdown/split.js';
import { uploadFiles } from './files/upload-files.js';

/**
 * Slack's `markdown_text` takes 12,000 characters; pages stay below that with room to spare,
 * because Slack has rejected totals well under the documented limit.
 */
export const PAGE_LIMIT = 11_000;
const MIN_PAGE_LIMIT = 1_500;
/** An answer shows in at most this many messages; a longer one is attached whole as a file. */
export const MAX_PAGES = 5;
export const FULL_ANSWER_FILE = 'answer.md';

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
  /** What the message shows (text and buttons), to skip edits that change nothing. */
  shown?: string;
}

type MessageBody = { markdown_text: string } | { text: string; blocks: unknown[] };

/** username / icon_* for chat.postMessage, chat.postEphemeral and chat.startStream (Slack ignores them without chat:write.customize). */
export function identityArgs(persona: Persona | undefined): Identity {
  if (!persona) return {};
  // Slack takes one icon (the emoji wins, as it would).
  if (persona.iconEmoji) return { username: persona.name, icon_emoji: persona.iconEmoji };
  if (persona.iconUrl) return { username: persona.name, icon_url: persona.iconUrl };
  return { username: persona.name };
}
type Identity = { username?: string } & (
  { icon_emoji: string; icon_url?: never } | { icon_url: string; icon_emoji?: never } | { icon_url?: never; icon_emoji?: never }
);

/** Posts carry this metadata, so a post whose response was lost can be found again. */
const METADATA_TYPE = 'dify_bridge_answer';
const historySchema = z.looseObject({
  messages: z
    .array(
      z.looseObject({
        ts: z.string(),
        metadata: z.looseObject({ event_type: z.string().nullish(), event_payload: z.record(z.string(), z.unknown()).nullish() }).nullish(),
      }),
    )
    .default([]),
});

export interface WriterOptions {
  /** SLACK_API_URL, if set: its host counts as Slack's for file uploads. */
  apiUrl?: string;
  /** Messages of a previous run of the same answer, and where to record new ones. */
  reply?: ReplyTracking;
  /** Slack's feedback buttons, or ordinary ones where Slack refuses those (shared by all answers). */
  feedbackStyle?: FeedbackStyle;
}

/**
 * Shows one answer as one or more Slack messages in a thread: posts the first page, edits it
 * as the answer grows, posts further pages past the length limit and deletes pages a
 * shortened answer (message_replace) no longer needs. Standard Markdown goes out as
 * `markdown_text`, which Slack renders (no raw `**` or `##`).
 */
export class SlackAnswerWriter implements AnswerSink {
  private readonly pages: Page[];
  private limit = PAGE_LIMIT;
  private controls: AnswerControls = {};
  private persona?: Persona;
  /** Identifies this answer's posts in their metadata. */
  private readonly answerId = randomUUID();

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
    private readonly logger: Logger,
    private readonly options: WriterOptions = {},
  ) {
    // Text unknown: the next render edits them all.
    this.pages = (options.reply?.existing ?? []).map((ts) => ({ ts }));
  }

  /** Messages posted so far (their ts), first page first. */
  get messageTs(): string[] {
    return this.pages.flatMap((p) => (p.ts ? [p.ts] : []));
  }

  messages(): string[] {
    return this.messageTs;
  }

  /** Carries on a message posted by another writer (a native stream that ended) as the first page. */
  adopt(ts: string): void {
    if (this.pages.length === 0) {
      this.pages.push({ ts });
      void this.record();
    }
  }

  setControls(controls: AnswerControls): void {
    this.controls = controls;
  }

  speakAs(persona: Persona): void {
    this.persona = persona;
  }

  /**
   * A page as Slack message arguments: Markdown as `markdown_text`, or, where the page carries
   * buttons (the last one), a markdown block and an actions block with a plain-text fallback.
   */
  private body(text: string, last: boolean): MessageBody {
    const controls = last
      ? [...footerBlocks(this.controls.footer), ...controlsBlocks(this.controls, this.options.feedbackStyle?.native ? 'native' : 'buttons')]
      : [];
    // markdown_text shows a GFM table as raw pipes; blocks render it (a native table block where it fits).
    const content = contentBlocks(text);
    if (controls.length === 0 && !content) return { markdown_text: text };
    return { text: text.slice(0, 3000), blocks: [...(content ?? [{ type: 'markdown', text }]), ...controls] };
  }

  async show(markdown: string, final: boolean): Promise<void> {
    for (;;) {
      try {
        await this.apply(this.capped(splitMarkdown(markdown, this.limit), markdown, final));
        if (final && this.overflowed && !this.attachedWhole) {
          this.attachedWhole = true;
          await this.attachFiles([{ filename: FULL_ANSWER_FILE, data: new TextEncoder().encode(markdown), mimeType: 'text/markdown' }]).catch((err: unknown) =>
            this.logger.error({ err: describeError(err) }, 'could not attach the whole of a long answer'),
          );
        }
        return;
      } catch (err) {
        if (slackErrorCode(err) === 'msg_too_long' && this.limit > MIN_PAGE_LIMIT) {
          // Slack counts differently from us (or lowered its limit): smaller pages, same text.
          this.limit = Math.max(MIN_PAGE_LIMIT, Math.floor(this.limit / 2));
          this.logger.warn({ limit: this.limit }, 'Slack said msg_too_long; splitting into smaller messages');
          continue;
        }
        if (slackErrorCode(err) === 'invalid_blocks' && this.controls.feedback && this.options.feedbackStyle?.native) {
          // Slack's feedback buttons are not available here: the same answer with ordinary ones.
          this.options.feedbackStyle.refuse();
          this.logger.warn('Slack refused its feedback buttons (invalid_blocks); answers carry ordinary 👍 / 👎 buttons from now on');
          continue;
        }
        throw this.translate(err);
      }
    }
  }

  private overflowed = false;
  private attachedWhole = false;

  /** A thread is not a document: past MAX_PAGES messages, the last says where the rest is. */
  private capped(pages: string[], markdown: string, final: boolean): string[] {
    if (pages.length <= MAX_PAGES) return pages;
    this.overflowed = true;
    const note = final
      ? `_The answer is ${markdown.length.toLocaleString('en-US')} characters long: the whole of it is in the file ${FULL_ANSWER_FILE} in this thread._`
      : '_… (the answer goes on; when it is done, the whole of it is attached as a file)_';
    return [...pages.slice(0, MAX_PAGES - 1), note];
  }

  /** Files go into the answer's thread (a top-level answer starts one). */
  async attachFiles(files: OutgoingFile[]): Promise<void> {
    const threadTs = this.target.threadTs ?? this.pages[0]?.ts;
    try {
      await uploadFiles(this.client, this.options.apiUrl, { channelId: this.target.channelId, ...(threadTs ? { threadTs } : {}) }, files);
    } catch (err) {
      throw this.translate(err);
    }
  }

  private async apply(texts: string[]): Promise<void> {
    const { channelId: channel } = this.target;
    for (let i = 0; i < texts.length; i++) {
      const body = this.body(texts[i]!, i === texts.length - 1);
      const shown = JSON.stringify(body);
      const page = (this.pages[i] ??= {});
      if (!page.ts) {
        page.ts = await this.post(body, i);
        page.shown = shown;
        await this.record();
      } else if (page.shown !== shown) {
        await this.client.chat.update({ channel, ts: page.ts, ...body });
        page.shown = shown;
      }
    }
    while (this.pages.length > texts.length) {
      const last = this.pages[this.pages.length - 1]!;
      if (last.ts)
        await this.client.chat.delete({ channel, ts: last.ts }).catch((err: unknown) => {
          if (slackErrorCode(err) !== 'message_not_found') throw err;
        });
      this.pages.pop();
      await this.record();
    }
  }

  /**
   * Posts one page. Never retried automatically (the client has retries off): when Slack's
   * answer is lost (5xx, a dropped connection) the post may still have happened, so before
   * the policy tries again the thread is searched for it by its metadata.
   */
  private async post(body: MessageBody, index: number): Promise<string> {
    const { channelId: channel, threadTs } = this.target;
    const key = `${this.answerId}:${index}`;
    try {
      const res = await this.client.chat.postMessage({
        channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...body,
        ...identityArgs(this.persona),
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: METADATA_TYPE, event_payload: { key } },
      });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    } catch (err) {
      if (!(err instanceof WebAPIHTTPError || err instanceof WebAPIRequestError)) throw err;
      const found = await this.findPosted(key).catch(() => undefined);
      if (found) {
        this.logger.warn({ ts: found }, 'Slack failed to confirm a post that went through; using it');
        return found;
      }
      throw err;
    }
  }

  private async findPosted(key: string): Promise<string | undefined> {
    const { channelId: channel, threadTs } = this.target;
    const raw = threadTs
      ? await this.client.conversations.replies({ channel, ts: threadTs, limit: 50, include_all_metadata: true })
      : await this.client.conversations.history({ channel, limit: 20, include_all_metadata: true });
    const messages = historySchema.parse(raw).messages;
    return messages.find((m) => m.metadata?.event_type === METADATA_TYPE && m.metadata.event_payload?.['key'] === key)?.ts;
  }

  private async record(): Promise<void> {
    await this.options.reply
      ?.onPosted(this.messageTs)
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, "could not record the answer's messages"));
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
