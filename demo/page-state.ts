import type { FakeSlack } from '../test/support/fake-slack.js';

/** One line of the page's channel or thread, as the browser draws it. */
export interface PageMessage {
  ts: string;
  threadTs?: string;
  author: 'you' | 'bot';
  /** Markdown (the bot) or plain text with <@U…> mentions (people). */
  text: string;
  blocks?: unknown[];
  /** How many times the message changed after it was posted (streaming edits). */
  edits: number;
  /** Only visible to you: a slash command's reply. */
  ephemeral?: boolean;
  /** The app's own name on the message (Slack shows it with chat:write.customize). */
  username?: string;
}

export interface PageState {
  version: number;
  messages: PageMessage[];
  /** The modal the bridge opened and nobody has submitted or closed yet. */
  modal?: { index: number; view: Record<string, unknown> };
}

/** A response_url post at time `at` sorts among messages like a message posted then. */
const tsOf = (at: number, seq: number) => `${Math.floor(at / 1000)}.${String((at % 1000) * 1000 + seq).padStart(6, '0')}`;

/** The page's view of the fake workspace's only channel, its threads and the open modal. */
export function pageState(slack: FakeSlack, channel: string, closedViews: number): PageState {
  const people: PageMessage[] = slack.userMessages
    .filter((m) => m.channel === channel)
    .map((m) => ({ ts: m.ts, ...(m.thread_ts ? { threadTs: m.thread_ts } : {}), author: 'you', text: m.text, edits: 0 }));
  const bot: PageMessage[] = slack.messages
    .filter((m) => m.channel === channel && !m.deleted)
    .map((m) => ({
      ts: m.ts,
      ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
      author: 'bot',
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.username ? { username: m.username } : {}),
      edits: m.history.length - 1,
    }));
  // Replies to one slash command share a response_url: a later one may replace or delete the earlier.
  const byUrl = new Map<string, PageMessage>();
  slack.responses.forEach((r, i) => {
    const body = r.body;
    if (body['delete_original'] === true) {
      byUrl.delete(r.id);
      return;
    }
    const previous = byUrl.get(r.id);
    if (previous && body['replace_original'] === false) {
      byUrl.set(`${r.id}#${i}`, previous);
    }
    const text = typeof body['text'] === 'string' ? body['text'] : '';
    byUrl.set(r.id, {
      ts: previous && body['replace_original'] !== false ? previous.ts : tsOf(r.at, i),
      author: 'bot',
      text,
      ...(Array.isArray(body['blocks']) ? { blocks: body['blocks'] as unknown[] } : {}),
      edits: 0,
      ephemeral: body['response_type'] !== 'in_channel',
    });
  });
  const messages = [...people, ...bot, ...byUrl.values()].sort((a, b) => Number(a.ts) - Number(b.ts));
  const version = slack.calls.length + slack.userMessages.length + slack.responses.length + closedViews;
  const open = slack.views.length - 1;
  return { version, messages, ...(open >= closedViews ? { modal: { index: open, view: slack.views[open]! } } : {}) };
}
