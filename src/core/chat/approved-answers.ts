import type { Config } from '../../config/types.js';
import type { DifyClient } from '../../dify/client.js';
import { DifyError } from '../../dify/errors.js';
import type { Store } from '../../store/store.js';
import type { AppCatalog } from '../apps/app-catalog.js';
import type { SlackDirectory } from '../ports.js';
import { describeApprovers, mayAnswer } from '../runs/approvers.js';
import { encodeThreadKey } from './keys.js';

/** Where an answer is: its channel, its ts, and the thread it is in (none: a DM's main timeline). */
export interface AnswerAt {
  teamId: string;
  channelId: string;
  isDirect: boolean;
  ts: string;
  threadTs?: string;
}

export type SavePlan = { kind: 'refused'; markdown: string } | { kind: 'edit'; appId: string; question: string; answer: string };

/** Slack's plain_text_input holds at most 3,000 characters. */
export const EDITABLE_LIMIT = 3_000;

/**
 * "Save as approved answer": a bot answer, with the question it answered, becomes a Dify
 * annotation of the app that gave it, so Annotation Reply answers that question with it from
 * then on. Only the app's editors (BRIDGE_CONFIG `annotations.editors`) may.
 */
export class ApprovedAnswers {
  constructor(
    private readonly deps: {
      config: Pick<Config, 'dify' | 'dm'>;
      store: Pick<Store, 'getThread'>;
      catalog: AppCatalog;
      dify: Pick<DifyClient, 'createAnnotation'>;
      directory: Pick<SlackDirectory, 'threadMessages' | 'groupMembers'>;
      botUserIdFor(teamId: string): string;
    },
  ) {}

  /** What the editor sees: the question and answer to save (editable), or why not. */
  async prepare(at: AnswerAt, userId: string, answerText: string): Promise<SavePlan> {
    const threadTs = at.isDirect ? (this.deps.config.dm === 'single' ? '' : (at.threadTs ?? '')) : (at.threadTs ?? at.ts);
    const thread = await this.deps.store.getThread(encodeThreadKey({ teamId: at.teamId, channelId: at.channelId, threadTs })).catch(() => undefined);
    const appId = thread?.appId;
    if (!appId || !Object.hasOwn(this.deps.config.dify.apps, appId)) {
      return { kind: 'refused', markdown: 'Use this on one of my answers in a conversation: I could not tell which Dify app gave this one.' };
    }
    const editors = this.deps.config.dify.apps[appId]!.annotations?.editors;
    if (!editors) {
      return {
        kind: 'refused',
        markdown: `Approved answers are not set up for \`${appId}\`: the operator lists who may save them in BRIDGE_CONFIG (\`annotations.editors\`).`,
      };
    }
    if (!(await mayAnswer(editors, '', userId, (g) => this.deps.directory.groupMembers?.(at.teamId, g) ?? Promise.resolve(undefined)))) {
      return { kind: 'refused', markdown: `Only ${describeApprovers(editors, '')} may save approved answers for \`${appId}\`.` };
    }
    const app = await this.deps.catalog.describe(appId).catch(() => undefined);
    if (!app?.annotationReply) {
      return {
        kind: 'refused',
        markdown: `Annotation Reply is off for \`${appId}\`, so a saved answer would never be used: turn it on in Dify (the app's *Features → Annotation Reply*), then save again.`,
      };
    }
    return { kind: 'edit', appId, question: await this.questionBefore(at, threadTs), answer: answerText.slice(0, EDITABLE_LIMIT) };
  }

  /** Saves it in Dify; the line to show when Dify refuses. */
  async save(appId: string, question: string, answer: string): Promise<string | undefined> {
    try {
      await this.deps.dify.createAnnotation(appId, { question, answer });
      return undefined;
    } catch (err) {
      const why = err instanceof DifyError ? `${err.code}: ${err.message}` : 'no answer from Dify';
      return `Dify did not save the approved answer (${why}).`;
    }
  }

  /** The question an answer answered: the last message before it that is not the bot's (its mention removed). */
  private async questionBefore(at: AnswerAt, threadTs: string): Promise<string> {
    const bot = this.deps.botUserIdFor(at.teamId);
    const messages = await this.deps.directory.threadMessages(at.teamId, at.channelId, threadTs).catch(() => []);
    const asked = messages.filter((m) => m.ts < at.ts && m.userId !== bot).at(-1);
    return (asked?.text ?? '')
      .replace(new RegExp(`<@${bot}>\\s*`, 'g'), '')
      .trim()
      .slice(0, EDITABLE_LIMIT);
  }
}
