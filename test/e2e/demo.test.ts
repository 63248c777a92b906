import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.js';

/** Debian's Chromium (bash .ci/run installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let demo: Demo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (bash .ci/run does), or set CHROMIUM_PATH`);
  demo = await startDemo();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox as root in CI; no background networking on a machine with no outside network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(demo.url);
}, 60_000);

afterAll(async () => {
  // Unset when beforeAll failed (no Chromium, say): there is nothing to close then.
  await (browser as Browser | undefined)?.close();
  await (demo as Demo | undefined)?.close();
});

const bot = (scope: string) => page.locator(`${scope} .msg.bot`);

describe('npm run demo, in a real browser', () => {
  it('a question with a mention streams into its thread, then finishes with feedback and follow-ups', async () => {
    await page.fill('#composer', '@Dify what can this bridge do?');
    await page.press('#composer', 'Enter');
    // The thread opens; the answer appears while Dify is still writing it…
    const answer = bot('#thread-messages').first();
    await answer.waitFor({ timeout: 10_000 });
    const seen: string[] = [];
    // The sources are small print under the final answer.
    const final = 'Sources: 1. Slack bridge handbook';
    for (let i = 0; i < 300 && !(await answer.innerText()).includes(final); i++) {
      const text = (await answer.locator('.body').innerText()).trim();
      if (text && text !== seen.at(-1)) seen.push(text);
      await page.waitForTimeout(50);
    }
    expect(await answer.locator('.context').first().innerText()).toContain(final);
    // The app answers with its own name (Dify's WebApp title), its table as a table, its echarts block as a chart.
    expect(await answer.locator('.who').innerText()).toBe('Assistant');
    expect(await answer.locator('.body table.table-block tr').count()).toBe(4);
    expect(await answer.locator('.body table.table-block').innerText()).toContain('buttons and forms');
    expect(await answer.locator('.body .chart svg rect').count()).toBe(3);
    expect(await answer.locator('.body .chart-title').innerText()).toBe('Seconds until the first words show');
    expect(await answer.locator('.body').innerText()).not.toContain('"series"');
    // …in several visible states, each a beginning of the next (it streamed; nothing jumped back).
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // Rendered Markdown, not raw syntax.
    await expect.poll(() => answer.locator('.body strong').first().innerText()).toBe('first message');
    expect(await answer.locator('.body pre code').innerText()).toContain("app.chat.invoke('assistant'");
    expect(await answer.locator('.body').innerText()).not.toContain('**');
    // Feedback reaches Dify and the choice shows.
    await answer.locator('button[data-choice="positive"]').click();
    await expect.poll(() => answer.locator('.context').last().innerText(), { timeout: 5000 }).toContain('Rated helpful');
    expect(demo.dify.requests.filter((r) => r.path.endsWith('/feedbacks'))).toHaveLength(1);
    expect(await answer.locator('button[data-action="dify_suggest_0"]').innerText()).toBe('What happens when I press Stop?');
    // README's picture of an answer (DEMO_SCREENSHOT=docs/demo.png also writes docs/demo-answer.png).
    if (process.env['DEMO_SCREENSHOT']) await answer.screenshot({ path: process.env['DEMO_SCREENSHOT'].replace(/\.png$/, '-answer.png') });
  });

  it('a reply in the thread continues the same conversation; the channel shows the reply count', async () => {
    await page.fill('#thread-composer', 'and what did I ask before?');
    await page.press('#thread-composer', 'Enter');
    await expect.poll(() => bot('#thread-messages').count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => bot('#thread-messages').nth(1).locator('.body').innerText(), { timeout: 15_000 }).toContain('message #2 of this thread');
    await expect.poll(() => bot('#thread-messages').nth(1).innerText(), { timeout: 15_000 }).toContain('Sources:');
    // Close the thread and open it again from the channel.
    await page.click('#thread-close');
    expect(await page.isHidden('#thread')).toBe(true);
    await page.click('#channel-messages .replies-link');
    await expect.poll(() => bot('#thread-messages').count()).toBe(2);
    expect(await page.locator('#channel-messages .replies-link').innerText()).toBe('3 replies');
  });

  it('Stop ends a streaming answer at once with "(stopped)"', async () => {
    await page.fill('#thread-composer', 'a third question');
    await page.press('#thread-composer', 'Enter');
    const stop = bot('#thread-messages').nth(2).locator('button[data-action="dify_stop"]');
    await stop.waitFor({ timeout: 10_000 });
    await stop.click();
    await expect.poll(() => demo.dify.requests.some((r) => r.path.endsWith('/stop')), { timeout: 5000 }).toBe(true);
    await expect.poll(() => bot('#thread-messages').nth(2).locator('.body').innerText(), { timeout: 5000 }).toContain('(stopped)');
    expect(await bot('#thread-messages').nth(2).innerText()).not.toContain('Sources:');
  });

  it('"Ask Dify about this" on a message opens a modal, and the answer goes into that message’s thread', async () => {
    await page.click('#thread-close').catch(() => undefined);
    await page.fill('#composer', 'Our Q3 churn went from 2.1% to 3.4%.');
    await page.press('#composer', 'Enter');
    const message = page.locator('#channel-messages .msg.you', { hasText: 'Our Q3 churn' });
    await message.locator('button.shortcut').click();
    await page.locator('#modal-form').waitFor({ timeout: 10_000 });
    expect(await page.locator('#modal-form').innerText()).toContain('Our Q3 churn went from 2.1% to 3.4%.');
    await page.fill('#modal-form textarea', 'Why might that be?');
    await page.click('#modal-form button[type=submit]');
    await page.locator('#modal').waitFor({ state: 'hidden' });
    await expect.poll(() => message.locator('.replies-link').count(), { timeout: 10_000 }).toBe(1);
    await message.locator('.replies-link').click();
    await expect.poll(() => page.locator('#thread-messages').innerText(), { timeout: 15_000 }).toContain('asked about this message: Why might that be?');
    await expect.poll(() => bot('#thread-messages').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const query = String(demo.dify.requests.filter((r) => r.path === '/v1/chat-messages').at(-1)!.body['query']);
    expect(query).toContain('[The Slack message this question is about, by');
    expect(query).toContain('Our Q3 churn went from 2.1% to 3.4%.');
    await page.click('#thread-close');
  });

  it('runs a workflow from a slash command, showing its steps live, pausing for an approval, then its output', async () => {
    await page.fill('#composer', '/report Slack bridges');
    await page.press('#composer', 'Enter');
    const run = page.locator('#channel-messages .msg.bot', { hasText: 'report' }).last();
    await expect.poll(() => run.innerText(), { timeout: 10_000 }).toMatch(/Research|Draft/);
    // The Human Input step: the form's text, who may answer, until when, and its buttons.
    await expect.poll(() => run.innerText(), { timeout: 15_000 }).toContain('waiting for an answer');
    expect(await run.locator('.body').innerText()).toContain('The draft of Slack bridges is ready. Publish it?');
    expect(await run.locator('.context').innerText()).toMatch(/Who can answer: @\S+ · answer by /);
    await run.locator('button', { hasText: 'Approve' }).click();
    // The form has a note: it opens as a modal, submitted with the chosen action.
    await page.locator('#modal-form').waitFor({ timeout: 10_000 });
    await page.fill('#modal-form textarea', 'ship it');
    await page.click('#modal-form button[type=submit]');
    await page.locator('#modal').waitFor({ state: 'hidden' });
    await expect.poll(() => run.innerText(), { timeout: 15_000 }).toContain('Report: Slack bridges');
    expect(await run.innerText()).toContain('Approve — chosen by');
    expect(await run.innerText()).toContain('approved (note: ship it)');
    expect(await run.locator('button', { hasText: 'Approve' }).count()).toBe(0);
    expect(await run.locator('.body li strong').allInnerTexts()).toEqual(['Research', 'Draft', 'Review']);
    // The README's picture: DEMO_SCREENSHOT=docs/demo.png npx vitest run test/e2e/demo.test.ts
    if (process.env['DEMO_SCREENSHOT']) await page.screenshot({ path: process.env['DEMO_SCREENSHOT'] });
  });

  it('opens the form of a command given no inputs, and runs it when submitted', async () => {
    await page.fill('#composer', '/dify haiku');
    await page.press('#composer', 'Enter');
    await page.locator('#modal-form').waitFor({ timeout: 10_000 });
    await page.fill('#modal-form input', 'autumn');
    await page.click('#modal-form button[type=submit]');
    await page.locator('#modal').waitFor({ state: 'hidden' });
    await expect.poll(() => page.locator('#channel-messages .msg.bot', { hasText: 'Tokens drift like snow' }).count(), { timeout: 15_000 }).toBe(1);
  });

  it("shows a command's reply to the person alone, as an ephemeral message", async () => {
    await page.fill('#composer', '/dify');
    await page.press('#composer', 'Enter');
    const reply = page.locator('#channel-messages .msg.ephemeral').last();
    await expect.poll(() => reply.innerText(), { timeout: 10_000 }).toContain('Only visible to you');
    expect(await reply.locator('.body').innerText()).toMatch(/report/);
  });

  it('answers a command the app does not have the way Slack does, without asking the bridge', async () => {
    const before = demo.slack.calls.length;
    await page.fill('#composer', '/nope');
    await page.press('#composer', 'Enter');
    await expect.poll(() => page.locator('#toast').innerText()).toContain('/nope is not a valid command');
    await new Promise((r) => setTimeout(r, 300));
    // Nothing of it reached the bridge (an earlier answer may still be finishing its own calls).
    expect(demo.slack.calls.slice(before).filter((c) => JSON.stringify(c.args).includes('nope'))).toEqual([]);
    expect(await page.locator('#channel-messages .msg', { hasText: '/nope' }).count()).toBe(0);
  });

  it('shows what people type as text, never as HTML', async () => {
    await page.fill('#composer', '@Dify <img src=x onerror="document.title=\'pwned\'"> **not bold**');
    await page.press('#composer', 'Enter');
    await expect.poll(() => page.locator('#channel-messages .msg.you').last().innerText()).toContain('<img src=x');
    await expect.poll(() => bot('#thread-messages').first().locator('.body').innerText(), { timeout: 10_000 }).toContain('<img src=x');
    expect(await page.locator('#channel-messages img, #thread-messages img').count()).toBe(0);
    expect(await page.title()).toBe('Dify bridge demo');
  });

  it('takes actions only as JSON, which another site cannot send here without a CORS preflight', async () => {
    const before = demo.slack.userMessages.length;
    const simple = await fetch(`${demo.url}api/send`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ text: '@Dify forged' }),
    });
    expect(simple.status).toBe(415);
    const preflight = await fetch(`${demo.url}api/send`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(demo.slack.userMessages.length).toBe(before);
  });
});
