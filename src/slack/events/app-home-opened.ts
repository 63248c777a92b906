import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppCatalog } from '../../core/apps/app-catalog.js';
import { describeError } from '../../core/log-fields.js';
import type { Store } from '../../store/store.js';
import { controlsBlocks } from '../blocks/answer-controls.js';
import { suggestedPrompts } from '../blocks/suggested-prompts.js';
import type { HomeSource } from '../../core/ports.js';
import { homeView } from '../home/home-view.js';

const openedSchema = z.looseObject({ user: z.string(), channel: z.string(), tab: z.string() });
/** A DM is greeted once; the mark is kept this long. */
const GREETED_MS = 365 * 24 * 3600_000;
/** Suggested prompts are set again when the DM is opened after this long (a Tier 4 call each). */
const PROMPTS_FRESH_MS = 12 * 3600_000;

/**
 * The first time someone opens a DM with the bot: the chat app's opening statement, with its
 * suggested questions as buttons (pressing one asks it, like the follow-ups under answers).
 */
export function registerAppHomeOpened(
  app: App,
  catalog: AppCatalog,
  store: Pick<Store, 'claim'>,
  defaultApp: string | undefined,
  logger: Logger,
  home?: HomeSource,
): void {
  app.event('app_home_opened', async ({ event, client, context }) => {
    const e = openedSchema.safeParse(event);
    if (!e.success) return;
    if (e.data.tab === 'home') {
      if (home && context.teamId) await publishHome(client, home, context.teamId, e.data.user, logger);
      return;
    }
    if (e.data.tab !== 'messages' || !defaultApp) return;
    // Atomic claims double as "greeted already" and "prompts fresh" across replicas.
    const who = `${context.teamId ?? ''}:${e.data.user}`;
    const greet = await store.claim(`greeted:${who}`, 'greeter', GREETED_MS);
    const prompt = await store.claim(`prompted:${who}`, 'prompter', PROMPTS_FRESH_MS);
    if (!greet && !prompt) return;
    try {
      const about = await catalog.describe(defaultApp);
      if (greet && (about.openingStatement || about.suggestedQuestions.length)) {
        const text = about.openingStatement || 'Ask me anything, or try one of these:';
        const buttons = controlsBlocks({ suggestions: about.suggestedQuestions.slice(0, 3) });
        await client.chat.postMessage(
          buttons.length
            ? { channel: e.data.channel, text, blocks: [{ type: 'markdown', text }, ...buttons] }
            : { channel: e.data.channel, markdown_text: text },
        );
      }
      // Slack's own suggested prompts above the composer of the agent's DM.
      if (about.suggestedQuestions.length) await client.assistant.threads.setSuggestedPrompts(suggestedPrompts(e.data.channel, about.suggestedQuestions));
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not greet a new DM');
    }
  });
}

/** The Home tab, published afresh each time it is opened (its runs linked with their permalinks). */
async function publishHome(client: WebClient, home: HomeSource, teamId: string, userId: string, logger: Logger): Promise<void> {
  try {
    const [apps, runs] = await Promise.all([home.apps({ teamId, userId }), home.recent(teamId, userId)]);
    const linked = await Promise.all(
      runs.map(async (r) => {
        const link = await client.chat
          .getPermalink({ channel: r.channelId, message_ts: r.ts })
          .then((p) => p.permalink)
          .catch(() => undefined);
        return link ? { ...r, link } : r;
      }),
    );
    await client.views.publish({ user_id: userId, view: homeView(apps, linked) });
  } catch (err) {
    logger.warn({ err: describeError(err) }, 'could not publish the Home tab');
  }
}
