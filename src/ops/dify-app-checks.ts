import type { Config, DifyAppConfig } from '../config/types.js';
import { createDifyClient } from '../dify/client.js';
import { DifyError } from '../dify/errors.js';

/** What went wrong reaching one Dify app, and what to change: the doctor's and `npm start`'s words. */
export function describeDifyFailure(name: string, app: Pick<DifyAppConfig, 'apiUrl'>, err: unknown): { what: string; fix: string } {
  const keyAt = name === 'default' ? 'DIFY_API_KEY' : `apps.${name}.apiKey in BRIDGE_CONFIG`;
  if (err instanceof DifyError && err.kind === 'http' && err.status === 401)
    return { what: `Dify rejected the API key of app "${name}"`, fix: `copy the key from the app's "API Access" page in Dify into ${keyAt}` };
  if (err instanceof DifyError && err.kind === 'http' && err.status === 404 && !/\/v1$/.test(app.apiUrl))
    return {
      what: `Dify app "${name}": ${app.apiUrl} does not serve Dify's API (HTTP 404)`,
      fix: `DIFY_API_URL usually ends in /v1 (try ${app.apiUrl}/v1, as on the app's "API Access" page)`,
    };
  if (err instanceof DifyError && (err.kind === 'network' || err.kind === 'timeout'))
    return {
      what: `Dify is not reachable for app "${name}" at ${app.apiUrl} (${err.message})`,
      fix: "check DIFY_API_URL (or the app's apiUrl) and that the bridge can reach it",
    };
  const reason =
    err instanceof DifyError ? `${err.message}${err.status !== undefined ? ` (HTTP ${err.status})` : ''}` : err instanceof Error ? err.message : String(err);
  return { what: `Dify app "${name}": ${reason}`, fix: `check the app at ${app.apiUrl}` };
}

/** Runs `fn` on every item, at most `limit` at a time; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * At start, each app's form is asked for once (`/parameters`, a few at a time): a wrong key or
 * a DIFY_API_URL without /v1 shows up as one line each, before the first mention fails on it.
 * The bridge starts anyway (Dify may come up later); the lines say what to fix.
 */
export async function checkAppsAtStart(config: Pick<Config, 'dify'>): Promise<string[]> {
  const dify = createDifyClient(config.dify.apps, { ...config.dify.timeouts, connectMs: Math.min(config.dify.timeouts.connectMs, 5_000) });
  try {
    const lines = await mapBounded(Object.entries(config.dify.apps), 4, async ([name, app]) => {
      try {
        await dify.parameters(name);
        return undefined;
      } catch (err) {
        const { what, fix } = describeDifyFailure(name, app, err);
        return `${what}: ${fix}`;
      }
    });
    return lines.filter((l): l is string => l !== undefined);
  } finally {
    await dify.close();
  }
}
