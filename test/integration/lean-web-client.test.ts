import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeanWebClient } from '../../src/slack/lean-web-client.js';
import { slackTransport } from '../../src/slack/slack-transport.js';
import { FakeSlack } from '../support/fake-slack.js';

const options = (url: string) => ({ slackApiUrl: url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, fetch: slackTransport() });

describe("the Web API client's short way for streaming calls", () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await new FakeSlack().start();
  });
  afterEach(async () => slack.close());

  it('sends what the Web API client sends (a form, objects as JSON, the bearer token) and returns the same result', async () => {
    const lean = new LeanWebClient(slack.token, options(slack.url));
    const plain = new WebClient(slack.token, options(slack.url));
    const blocks = [{ type: 'markdown', text: 'a *b* & c=d' }];
    const a = await lean.chat.postMessage({ channel: 'C1', thread_ts: '1.1', text: 'x & y', blocks, unfurl_links: false });
    const b = await plain.chat.postMessage({ channel: 'C1', thread_ts: '1.1', text: 'x & y', blocks, unfurl_links: false });
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.response_metadata).toEqual(b.response_metadata);
    const [first, second] = slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(first!.args).toEqual(second!.args);
    expect(first!.auth).toBe(`Bearer ${slack.token}`);
    const updated = await lean.chat.update({ channel: 'C1', ts: String(a.ts), text: 'z' });
    expect(updated.ok).toBe(true);
  });

  it("throws the Web API client's errors: platform, rate limited, HTTP, request", async () => {
    const lean = new LeanWebClient(slack.token, options(slack.url));
    const post = () => lean.chat.postMessage({ channel: 'C1', text: 'x' });
    slack.interceptors.push(() => ({ body: { ok: false, error: 'channel_not_found' } }));
    const platform = await post().catch((e: unknown) => e);
    expect(platform).toBeInstanceOf(WebAPIPlatformError);
    expect((platform as WebAPIPlatformError).data.error).toBe('channel_not_found');
    slack.interceptors = [() => ({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } })];
    const limited = await post().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(WebAPIRateLimitedError);
    expect((limited as WebAPIRateLimitedError).retryAfter).toBe(7);
    slack.interceptors = [() => ({ status: 503, body: { ok: false } })];
    const http = await post().catch((e: unknown) => e);
    expect(http).toBeInstanceOf(WebAPIHTTPError);
    expect((http as WebAPIHTTPError).statusCode).toBe(503);
    slack.interceptors = [];
    const gone = new LeanWebClient(slack.token, options('http://127.0.0.1:9/api/'));
    expect(await gone.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(WebAPIRequestError);
  });

  it('leaves other methods, and a client that retries, to the Web API client', async () => {
    const retrying = new LeanWebClient(slack.token, { ...options(slack.url), retryConfig: { retries: 2, minTimeout: 1, maxTimeout: 1 } });
    let failures = 1;
    slack.interceptors.push((c) => (c.method === 'chat.postMessage' && failures-- > 0 ? { status: 500, body: { ok: false } } : undefined));
    // The Web API client retries an HTTP 500; the short way never would.
    expect((await retrying.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
    const lean = new LeanWebClient(slack.token, options(slack.url));
    expect((await lean.auth.test()).ok).toBe(true);
  });
});
