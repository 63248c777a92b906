import type { Logger } from 'pino';
import { SinkUnavailable, type AnswerControls, type AnswerSink, type OutgoingFile, type Persona } from '../../core/ports.js';
import { footerText } from '../blocks/answer-footer.js';
import type { SlackAnswerWriter } from '../answer-writer.js';
import type { ResponseUrl } from '../response-url.js';

const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);

/**
 * The visible message of a command run: posted and edited in the channel; where the bot is
 * not a member, the result goes to the command's response_url instead (in_channel), once,
 * with a line on how to invite the bot.
 */
export class CommandResultSink implements AnswerSink {
  private viaResponseUrl = false;
  private controls: AnswerControls = {};

  constructor(
    private readonly writer: SlackAnswerWriter,
    private readonly responseUrl: ResponseUrl,
    private readonly inviteHint: string,
    private readonly logger: Logger,
  ) {}

  setControls(controls: AnswerControls): void {
    this.controls = controls;
    this.writer.setControls(controls);
  }

  speakAs(persona: Persona): void {
    this.writer.speakAs(persona);
  }

  /** None once the result goes through the response_url (those messages cannot be edited later). */
  messages(): string[] {
    return this.viaResponseUrl ? [] : this.writer.messageTs;
  }

  async show(markdown: string, final: boolean): Promise<void> {
    if (!this.viaResponseUrl) {
      try {
        return await this.writer.show(markdown, final);
      } catch (err) {
        if (!(err instanceof SinkUnavailable && NOT_A_MEMBER.has(err.reason))) throw err;
        this.viaResponseUrl = true;
        this.logger.info({ reason: err.reason }, 'bot is not in the channel: the result goes through the response_url');
      }
    }
    // A response_url takes 5 posts: progress is not worth them, the result is.
    if (!final) return;
    const footer = footerText(this.controls.footer);
    const posted = await this.responseUrl.post(`${markdown}${footer ? `\n\n${footer}` : ''}\n\n_${this.inviteHint}_`, 'in_channel');
    if (!posted) throw new SinkUnavailable('response_url_expired', "The command's response_url is used up or expired; the result could not be shown.");
  }

  async attachFiles(files: OutgoingFile[]): Promise<void> {
    if (!this.viaResponseUrl) return this.writer.attachFiles(files);
    const names = files.map((f) => f.filename).join(', ');
    await this.responseUrl.post(`_The run produced files (${names}) that can only be shared where I am a member: ${this.inviteHint}_`, 'ephemeral');
  }
}
