import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, tokens, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a thread is one Dify conversation', () => {
  it('continues the conversation for replies without a mention, with one Dify user per thread', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('hello');
    await settled(t);
    await t.message('and a follow-up', { threadTs: ts });
    await settled(t);
    // A second person joins the thread.
    await t.message('me too', { threadTs: ts, user: 'UBOB' });
    await settled(t);

    const reqs = t.dify.chatRequests();
    expect(reqs).toHaveLength(3);
    const first = reqs[0]!.body;
    const conversationId = [...t.dify.conversations.keys()][0];
    expect(first['conversation_id']).toBe('');
    expect(reqs[1]!.body['conversation_id']).toBe(conversationId);
    expect(reqs[2]!.body['conversation_id']).toBe(conversationId);
    // Dify answers a conversation only for the user that created it: the user is the thread's.
    expect(new Set(reqs.map((r) => r.body['user']))).toEqual(new Set([first['user']]));
    const replies = t.slack.replies('C1', ts);
    expect(replies.map((r) => r.text)).toEqual(['You said: hello', 'You said: and a follow-up', 'You said: me too']);
  });

  it('ignores channel messages without a mention, and threads the bot is not in', async () => {
    t = await startTestBridge();
    await t.message('just chatting');
    const other = await t.message('top level');
    await t.message('a reply in a thread without the bot', { threadTs: other.ts });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(0);
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('a mention inside an existing thread starts a conversation for that thread', async () => {
    t = await startTestBridge();
    const root = await t.message('a discussion');
    const { ts } = await t.mention('summarize this', { threadTs: root.ts });
    await settled(t);
    // Summoned into a thread: the thread so far comes with the first question (later turns: the question alone).
    expect(t.dify.chatRequests()[0]!.body['query']).toBe(
      '[Earlier messages in this Slack thread, for context]\nAlice: a discussion\n[End of the earlier messages; the question follows]\n\nsummarize this',
    );
    expect(t.slack.replies('C1', root.ts)).toHaveLength(1);
    expect(ts).not.toBe(root.ts);
    // A thread people started: replies there without a mention are theirs; the next mention carries them.
    await t.message('I think it was the cache', { threadTs: root.ts, user: 'UBOB' });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
    await t.mention('thanks, more please', { threadTs: root.ts });
    await settled(t);
    expect(t.dify.chatRequests()[1]!.body['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
    expect(t.dify.chatRequests()[1]!.body['query']).toBe(
      '[Messages in this Slack thread since the last answer, for context]\nBob Stone: I think it was the cache\n[End of the earlier messages; the question follows]\n\nthanks, more please',
    );
    // Nothing new since the last answer: the question alone.
    await t.mention('and then?', { threadTs: root.ts });
    await settled(t);
    expect(t.dify.chatRequests()[2]!.body['query']).toBe('and then?');
    // Survives a restart of the store's knowledge: the thread record says it was a summons.
    expect(
      await (t.bridge as unknown as { chat: { deps: { store: { getThread(k: string): Promise<unknown> } } } }).chat.deps.store.getThread(
        `thread:T1:C1:${root.ts}`,
      ),
    ).toMatchObject({
      summoned: true,
    });
  });

  it('keeps the conversation across a restart on the same SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-'));
    dirs.push(dir);
    t = await startTestBridge({ env: { STORE_URL: `sqlite:${join(dir, 'bridge.db')}` } });
    const { ts } = await t.mention('remember 42');
    await settled(t);
    await t.restart();
    await t.message('what did I say?', { threadTs: ts });
    await settled(t);
    const reqs = t.dify.chatRequests();
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.body['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
    expect(t.slack.replies('C1', ts)).toHaveLength(2);
  });

  it('saves the conversation as soon as Dify reports it, so a crash mid-answer keeps it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-'));
    dirs.push(dir);
    t = await startTestBridge({ env: { STORE_URL: `sqlite:${join(dir, 'bridge.db')}` } });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    t.dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(`data: ${JSON.stringify(events.message('Working'))}\n\n`);
      await held;
      res.end(`data: ${JSON.stringify(events.messageEnd())}\n\n`);
    };
    const { ts } = await t.mention('long job');
    await t.slack.waitFor(() => t!.slack.replies('C1', ts)[0]?.text === 'Working', 3000, 'first text');
    const { SqliteStore } = await import('../../src/store/sqlite-store.js');
    const peek = new SqliteStore(join(dir, 'bridge.db'));
    const { encodeThreadKey } = await import('../../src/core/chat/keys.js');
    const saved = await peek.getThread(encodeThreadKey({ teamId: 'T1', channelId: 'C1', threadTs: ts }));
    await peek.close();
    release();
    await settled(t);
    expect(saved?.conversationId).toBe([...t.dify.conversations.keys()][0]);
  });

  it('starts a new conversation, and says so, when Dify no longer knows the stored one', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('first');
    await settled(t);
    t.dify.conversations.clear(); // deleted in Dify
    await t.message('second', { threadTs: ts });
    await settled(t);
    const reqs = t.dify.chatRequests();
    expect(reqs).toHaveLength(3);
    expect(reqs[1]!.body['conversation_id']).not.toBe('');
    expect(reqs[2]!.body['conversation_id']).toBe('');
    const reply = t.slack.replies('C1', ts)[1]!;
    expect(reply.text).toMatch(/^_The earlier Dify conversation no longer exists, so this starts a new one\._\n\nYou said: second$/);
    // The new conversation is the thread's from now on.
    await t.message('third', { threadTs: ts });
    await settled(t);
    expect(t.dify.chatRequests()[3]!.body['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
  });

  it('answers the messages of one thread in order, one Dify run at a time, and threads concurrently', async () => {
    t = await startTestBridge();
    let running = 0;
    let maxRunning = 0;
    t.dify.onChat = async ({ req, events, res }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await writeSse(res, [...tokens(`Answer to ${String(req.body['query'])}`).map((d) => events.message(d)), events.messageEnd()], 20);
      running--;
    };
    const a = await t.mention('A1');
    await settled(t);
    // Two quick replies in thread A, and a new thread B at the same time.
    await t.message('A2', { threadTs: a.ts });
    await t.message('A3', { threadTs: a.ts });
    const b = await t.mention('B1');
    await settled(t);
    expect(t.slack.replies('C1', a.ts).map((m) => m.text)).toEqual(['Answer to A1', 'Answer to A2', 'Answer to A3']);
    expect(t.slack.replies('C1', b.ts).map((m) => m.text)).toEqual(['Answer to B1']);
    const threadA = t.dify.chatRequests().filter((r) => String(r.body['query']).startsWith('A'));
    expect(threadA.map((r) => r.body['query'])).toEqual(['A1', 'A2', 'A3']);
    expect(maxRunning).toBe(2); // thread B overlapped thread A, never two in A
  });
});

describe('exactly one answer per message', () => {
  it('answers a Slack retry of a handled event once', async () => {
    t = await startTestBridge();
    t.dify.onChat = async ({ req, events, res }) => {
      await sleep(200);
      await writeSse(res, [events.message(`You said: ${String(req.body['query'])}`), events.messageEnd()]);
    };
    const ts = '1690009999.000100';
    const event = { type: 'app_mention', user: 'UALICE', text: `<@UBOT> hi`, ts, channel: 'C1', event_ts: ts, team: 'T1' };
    const first = await t.sendEvent(event);
    expect(first.status).toBe(200);
    // Slack retries the same event_id: right away, and again later.
    await t.sendEvent(event, { eventId: first.eventId, retryNum: 1 });
    await settled(t);
    await t.sendEvent(event, { eventId: first.eventId, retryNum: 2 });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
    expect(t.slack.replies('C1', ts)).toHaveLength(1);
  });

  it('answers a retry whose first delivery never arrived', async () => {
    t = await startTestBridge();
    const ts = '1690009998.000100';
    const event = { type: 'app_mention', user: 'UALICE', text: `<@UBOT> are you there?`, ts, channel: 'C1', event_ts: ts, team: 'T1' };
    await t.sendEvent(event, { retryNum: 1 });
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['You said: are you there?']);
  });

  it('answers a mention delivered both as app_mention and as message once', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('start');
    await settled(t);
    // In a thread the bot is in, a mention arrives twice: app_mention and message.channels, same ts.
    const reply = '1690009997.000100';
    await Promise.all([t.mention('again', { threadTs: ts, ts: reply }), t.message(`<@UBOT> again`, { threadTs: ts, ts: reply })]);
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(2);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual(['You said: start', 'You said: again']);
  });

  it('acknowledges within 3 seconds even when Dify is slow', async () => {
    t = await startTestBridge();
    t.dify.onChat = async ({ events, res }) => {
      await sleep(3500);
      await writeSse(res, [events.message('late but here'), events.messageEnd()]);
    };
    const started = Date.now();
    const { ts } = await t.mention('slow one');
    expect(Date.now() - started).toBeLessThan(3000);
    await settled(t);
    expect(t.slack.replies('C1', ts)[0]!.text).toBe('late but here');
  });
});
