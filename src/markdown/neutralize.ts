/**
 * Text from Dify, and text a person typed, is content: it must not ping a channel, mention
 * people or groups, or show a link under another host's name. Slack's control sequences in it
 * (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`, `<!date…>`, `<@U…>`, `<#C…>`) are
 * escaped as Slack's "Formatting text for app surfaces" says (`&lt;` `&gt;`), so they read as
 * typed; Slack-style links become Markdown links; a link whose label names another host shows
 * its real target. Other `<` (code, comparisons, generics) are left alone.
 */
const CONTROL = /<([!@#][^<>\n]*|(?:https?|mailto|tel|slack|ftp):[^<>\s|]*(?:\|[^<>\n]*)?)>/gi;
const MD_LINK = /\[([^\][\n]+)\]\(([^()\s]+)\)/g;

export function neutralizeSlackMarkup(text: string): string {
  if (!text.includes('<') && !text.includes('](')) return text;
  return text
    .replace(CONTROL, (_all, inner: string) => {
      if (/^[!@#]/.test(inner)) return `&lt;${inner}&gt;`;
      const bar = inner.indexOf('|');
      if (bar < 0) return inner;
      const label = inner.slice(bar + 1).replace(/[[\]]/g, '');
      return label.trim() ? `[${label}](${inner.slice(0, bar)})` : inner.slice(0, bar);
    })
    .replace(MD_LINK, (all, label: string, target: string) => (disguises(label, target) ? `[${target}](${target})` : all));
}

/** The label reads as a URL or a host name, and not the target's host. */
function disguises(label: string, target: string): boolean {
  const shown = hostOf(label.trim());
  if (!shown) return false;
  const real = hostOf(target);
  return real === undefined || bare(shown) !== bare(real);
}

function hostOf(s: string): string | undefined {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : /^[^\s/]+\.[a-z]{2,}(?:[/:?#]\S*)?$/i.test(s) ? `https://${s}` : undefined;
  if (!candidate || !URL.canParse(candidate)) return undefined;
  return new URL(candidate).hostname.toLowerCase();
}

const bare = (host: string) => host.replace(/^www\./, '');
