import type { z } from 'zod';

/** A JSON text's syntax error at the line and column an editor shows, not V8's character offset. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : text.length;
    const before = text.slice(0, offset).split('\n');
    const where = `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
    const what = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'the file ends before the JSON does');
    return { ok: false, reason: `is not valid JSON: ${where}: ${what}` };
  }
}

// Keys whose values are secrets: their bad value is never echoed.
const SECRET_KEY = /key|token|secret|password|credential/i;

/** The value a person typed, quoted and cut short, or nothing when it may be a secret. */
function shown(input: unknown, path: PropertyKey[]): string | undefined {
  if (input === undefined || path.some((p) => typeof p === 'string' && SECRET_KEY.test(p))) return undefined;
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function listed(values: readonly unknown[]): string {
  const names = values.map(String);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : (names[0] ?? '');
}

/**
 * One line per zod issue, echoing the bad value (`apps.helpdesk.type: "chatbot" is not an app type (chat, workflow or
 * completion)`). Parse with `{ reportInput: true }` so issues carry the value.
 */
export function describeIssues(prefix: string, error: z.ZodError, describePath: (p: PropertyKey[]) => string): string[] {
  return error.issues.map((issue) => {
    const where = describePath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${prefix}${where ? where + ': ' : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    }
    // A refinement's input is the whole object it checked: its message already says what is wrong.
    const value = issue.code === 'custom' && typeof issue.input === 'object' ? undefined : shown(issue.input, issue.path);
    if (value !== undefined && /^(is|must|does|has) /.test(issue.message)) return `${prefix}${where}: ${value} ${issue.message}`;
    if (value !== undefined && issue.code === 'invalid_value') return `${prefix}${where}: ${value} is not one of ${listed(issue.values)}`;
    if (value === undefined) return `${prefix}${where}: ${issue.message}`;
    return `${prefix}${where}: ${issue.message} (got ${value})`;
  });
}
