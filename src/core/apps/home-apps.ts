import type { ChatRouting } from '../../config/types.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import type { AppCatalog, AppDescription } from './app-catalog.js';

/** An app as a person's App Home shows it: what it is, and how they reach it. */
export interface HomeApp {
  app: AppDescription;
  /** The only channels it answers in (its access rule), if any. */
  channels?: string[];
  /** It answers mentions and DMs (the default chat app). */
  answersMentions: boolean;
  /** Channels routed to it. */
  routedChannels: string[];
}

/** The apps open to this person (anywhere), described; an app Dify cannot describe right now is left out. */
export async function homeApps(
  catalog: AppCatalog,
  policy: AccessPolicy | undefined,
  routing: (teamId: string) => ChatRouting,
  who: { teamId: string; userId: string },
): Promise<HomeApp[]> {
  const open: Array<{ name: string; channels?: string[] }> = policy ? await policy.openTo(catalog.names, who) : catalog.names.map((name) => ({ name }));
  const chat = routing(who.teamId);
  const described = await Promise.all(
    open.map(async (o): Promise<HomeApp | undefined> => {
      const app = await catalog.describe(o.name).catch(() => undefined);
      if (!app) return undefined;
      return {
        app,
        ...(o.channels ? { channels: o.channels } : {}),
        answersMentions: chat.default === o.name,
        routedChannels: Object.entries(chat.channels)
          .filter(([, name]) => name === o.name)
          .map(([c]) => c),
      };
    }),
  );
  return described.filter((x) => x !== undefined);
}
