import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import type { AnswerControls, AnswerSink, Persona, ReplyTarget } from '../core/ports.js';
import type { SharedAnswers } from '../core/chat/shared-answers.js';
import { splitMarkdown } from '../markdown/split.js';
import { identityArgs, PAGE_LIMIT, slackErrorCode } from './answer-writer.js';
import { feedbackBlocks } from './blocks/answer-controls.js';
import { footerBlocks } from './blocks/answer-footer.js';
import { SinkUnavailable } from '../core/ports.js';

export const SHARE_ACTION = 'dify_share';

/**
 * An answer only the asker sees (a channel with `"answer": "private"`): Slack cannot edit an
 * ephemeral message, so nothing shows while Dify writes and the complete answer arrives as one
 * message (pages past Slack's length), the last with 👍 / 👎 and "Share in thread".
 */
export class PrivateAnswerSink implements AnswerSink {
  private controls: AnswerControls = {};
  private persona?: Persona;

  constructor(
    private readonly client: WebClient,
    private readonly target: ReplyTarget,
    private readonly userId: string,
    private readonly shares: SharedAnswers,
  ) {}

  setControls(controls: AnswerControls): void {
    this.controls = controls;
  }

  speakAs(persona: Persona): void {
    this.persona = persona;
  }

  async show(markdown: string, final: boolean): Promise<void> {
    if (!final) return;
    const id = await this.shares.keep({
      channelId: this.target.channelId,
      ...(this.target.threadTs ? { threadTs: this.target.threadTs } : {}),
      text: markdown,
    });
    const pages = splitMarkdown(markdown, PAGE_LIMIT);
    for (const [i, page] of pages.entries()) {
      const last = i === pages.length - 1;
      const blocks: KnownBlock[] = [{ type: 'markdown', text: page }];
      if (last) {
        blocks.push(...footerBlocks(this.controls.footer));
        blocks.push({
          type: 'actions',
          block_id: 'dify_share',
          elements: [{ type: 'button', action_id: SHARE_ACTION, text: { type: 'plain_text', text: 'Share in thread' }, value: JSON.stringify({ id }) }],
        });
        if (this.controls.feedback) blocks.push(...feedbackBlocks(this.controls.feedback, 'buttons'));
      }
      try {
        await this.client.chat.postEphemeral({
          channel: this.target.channelId,
          user: this.userId,
          ...(this.target.threadTs ? { thread_ts: this.target.threadTs } : {}),
          text: page.slice(0, 3000),
          blocks,
          ...identityArgs(this.persona),
        });
      } catch (err) {
        const code = slackErrorCode(err) ?? 'error';
        throw new SinkUnavailable(code, `Could not show a private answer in channel ${this.target.channelId} (${code}).`);
      }
    }
  }
}
