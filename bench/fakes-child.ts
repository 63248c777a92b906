/**
 * The loopback fakes for the chat benchmarks, in their own process so the bridge's CPU, memory
 * and event-loop figures are the bridge's alone. Driven over IPC by bench/chat.ts.
 */
import { FakeDify, tokens, writeSse } from '../test/support/fake-dify.js';
import { FakeSlack } from '../test/support/fake-slack.js';

interface Script {
  /** Tokens per second Dify streams at. */
  tokensPerSecond: number;
  /** Tokens in each answer ("word " each). */
  tokens: number;
}

const slack = await new FakeSlack().start();
const dify = await new FakeDify().start();
let script: Script = { tokensPerSecond: 100, tokens: 200 };
/** Per query: when Dify wrote its first answer byte, and the full answer. */
const firstByteAt = new Map<string, number>();
/** Per query: when Dify ended the answer's stream. */
const lastByteAt = new Map<string, number>();
const answers = new Map<string, string>();

const answerFor = (q: string) => `${q}: ${'word '.repeat(script.tokens).trim()}`;

dify.onChat = async ({ req, events, res }) => {
  const q = String(req.body['query']);
  const text = answerFor(q);
  answers.set(q, text);
  const parts = tokens(text, Math.ceil(text.length / script.tokens));
  if (req.body['response_mode'] !== 'streaming') {
    // Blocking: Dify generates the whole answer first.
    await new Promise((r) => setTimeout(r, (parts.length / script.tokensPerSecond) * 1000));
    res.writeHead(200, { 'content-type': 'application/json' });
    firstByteAt.set(q, Date.now());
    res.end(
      JSON.stringify({
        event: 'message',
        task_id: events.taskId,
        id: events.messageId,
        message_id: events.messageId,
        conversation_id: events.conversationId,
        mode: 'chat',
        answer: text,
        metadata: {},
        created_at: 1,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  const start = Date.now();
  for (let i = 0; i < parts.length; i++) {
    const due = start + (i * 1000) / script.tokensPerSecond;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (i === 0) firstByteAt.set(q, Date.now());
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(events.message(parts[i]!))}\n\n`);
  }
  await writeSse(res, [events.messageEnd()]);
  lastByteAt.set(q, Date.now());
};

process.on('message', (raw: unknown) => {
  const msg = raw as { id: number; type: string; [k: string]: unknown };
  const reply = (body: unknown) => process.send!({ id: msg.id, body });
  switch (msg.type) {
    case 'urls':
      return reply({ slack: slack.url, dify: dify.url, token: slack.token, difyKey: dify.apiKey });
    case 'script': {
      script = msg['script'] as Script;
      const limit = msg['updateLimitPerMinute'] as number | undefined;
      if (limit === undefined) delete slack.updateLimitPerMinute;
      else slack.updateLimitPerMinute = limit;
      return reply(true);
    }
    case 'reset':
      slack.messages.length = 0;
      slack.calls.length = 0;
      slack.rateLimited = 0;
      dify.requests.length = 0;
      firstByteAt.clear();
      lastByteAt.clear();
      answers.clear();
      return reply(true);
    case 'stats': {
      // For each query: Dify's first byte → the first Slack call that showed the start of its answer
      // (the first token is "<query>:", which appears nowhere else). One pass over the calls, so
      // thousands of answers cost no more than they must.
      const firstShown = new Map<string, number>();
      for (const c of slack.calls) {
        if (c.method !== 'chat.postMessage' && c.method !== 'chat.update' && c.method !== 'chat.startStream' && c.method !== 'chat.appendStream') continue;
        for (const m of JSON.stringify(c.args).matchAll(/(?:^|[\s"])([a-z]+\d*-?\d+):/g)) {
          const q = m[1]!;
          if (!firstShown.has(q) && firstByteAt.has(q) && c.at >= firstByteAt.get(q)! - 1) firstShown.set(q, c.at);
        }
      }
      const byQuery = new Map<string, (typeof slack.messages)[number]>();
      for (const m of slack.messages) {
        const q = /^([a-z]+\d*-?\d+):/.exec(m.text)?.[1];
        if (q && !byQuery.has(q)) byQuery.set(q, m);
      }
      const firstText: Record<string, number> = {};
      const final: Record<string, { exact: boolean; at: number; waitedMs: number }> = {};
      for (const [q, at] of firstByteAt) {
        const shown = firstShown.get(q);
        if (shown !== undefined) firstText[q] = shown - at;
        const m = byQuery.get(q);
        if (m) {
          const finalAt = Math.max(m.postedAt, ...m.updatedAt);
          final[q] = { exact: m.text === answers.get(q), at: finalAt, waitedMs: finalAt - (lastByteAt.get(q) ?? finalAt) };
        }
      }
      const calls: Record<string, number> = {};
      for (const c of slack.calls) calls[c.method] = (calls[c.method] ?? 0) + 1;
      // Dify calls by path (ids folded), to see what a subject asks per answer besides the stream.
      const difyCalls: Record<string, number> = {};
      for (const r of dify.requests) {
        const path = `${r.method} ${r.path.replace(/\/[0-9a-f-]{8,}(?=\/|$)/g, '/:id')}`;
        difyCalls[path] = (difyCalls[path] ?? 0) + 1;
      }
      return reply({ firstText, final, calls, difyCalls, rateLimited: slack.rateLimited, started: firstByteAt.size });
    }
    case 'firstByteAt':
      return reply(firstByteAt.get(String(msg['q'])) ?? null);
    case 'close':
      void Promise.all([slack.close(), dify.close()]).then(() => {
        reply(true);
        process.exit(0);
      });
      return;
  }
});
process.send!({ id: 0, body: 'ready' });
