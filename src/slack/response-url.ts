import { splitMarkdown } from '../markdown/split.js';

const MAX_USES = 5;
const LIFETIME_MS = 30 * 60_000;
/** A markdown block takes 12,000 characters, counted over all markdown blocks of a message. */
const BLOCK_LIMIT = 11_000;

/** Slack gives a command a response_url: at most 5 posts, within 30 minutes. */
export class ResponseUrl {
  private uses = 0;

  constructor(
    readonly url: string,
    private readonly createdAt = Date.now(),
  ) {}

  get usable(): boolean {
    return this.uses < MAX_USES && Date.now() - this.createdAt < LIFETIME_MS;
  }

  /** Posts Markdown (as markdown blocks) to the response_url; false when it can no longer be used. */
  async post(markdown: string, visibility: 'ephemeral' | 'in_channel'): Promise<boolean> {
    for (const page of splitMarkdown(markdown, BLOCK_LIMIT)) {
      if (!this.usable) return false;
      this.uses++;
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: visibility, text: page.slice(0, 3000), blocks: [{ type: 'markdown', text: page }] }),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
    }
    return true;
  }
}
