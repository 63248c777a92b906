import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDify, sleep, WorkflowEvents, writeSse, type DifyRequest } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { freePort } from '../support/free-port.js';
import { settled, SIGNING_SECRET, startTestBridge } from '../support/harness.js';
import { ApprovalFlow, approveForm } from '../support/human-input-flow.js';
import { TestRedis } from '../support/redis-server.js';
import { launchBridge } from '../support/run-entry.js';
import { SlackUser } from '../support/slack-user.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const redis = new TestRedis();
beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  await redis.stop();
});

/** A chatflow event with Dify's chat envelope (conversation, message, task, workflow run). */
function chatflowEvents(conversationId: string, runId: string) {
  const messageId = randomUUID();
  const taskId = randomUUID();
  const env = (event: string, rest: Record<string, unknown>) => ({
    event,
    conversation_id: conversationId,
    message_id: messageId,
    created_at: 1,
    task_id: taskId,
    workflow_run_id: runId,
    ...rest,
  });
  return {
    started: () => env('workflow_started', { data: { id: runId, workflow_id: 'wf', inputs: {}, created_at: 1, reason: 'initial' } }),
    message: (answer: string) => env('message', { id: messageId, answer, from_variable_selector: ['answer', 'answer'] }),
    end: () => env('message_end', { id: messageId, metadata: { usage: { total_tokens: 3 } }, files: null }),
    finished: (outputs: Record<string, unknown>) =>
      env('workflow_finished', {
        data: { id: runId, workflow_id: 'wf', status: 'succeeded', outputs, error: null, elapsed_time: 1, total_tokens: 3, total_steps: 2, files: [] },
      }),
  };
}

describe('re-attaching instead of "(interrupted)"', () => {
  it('a chatflow whose stream drops mid-answer is followed again; the final text is Dify’s, shown once', async () => {
    const t = await startTestBridge();
    cleanups.push(() => t.close());
    t.dify.chatMode = 'advanced-chat';
    const full = 'Part one. Part two. Lost in the gap. Part three.';
    let runId = '';
    t.dify.onChat = async ({ req, res, conversationId }) => {
      runId = randomUUID();
      const ev = chatflowEvents(conversationId, runId);
      const stored = { key: t.dify.apiKey, user: String(req.body['user']), status: 'running', outputs: {} as Record<string, unknown> };
      t.dify.workflowRuns.set(runId, {
        ...stored,
        onEvents: async (r: ServerResponse, q: URLSearchParams) => {
          expect(q.get('include_state_snapshot')).toBe('true');
          const run = t.dify.workflowRuns.get(runId)!;
          run.status = 'succeeded';
          run.outputs = { answer: full };
          await writeSse(r, ['ping', ev.started(), ev.message(' Part three.'), ev.end(), ev.finished({ answer: full })]);
        },
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of [ev.started(), ev.message('Part one.'), ev.message(' Part two.')]) res.write(`data: ${JSON.stringify(e)}\n\n`);
      await sleep(150);
      res.destroy();
    };
    const { ts } = await t.mention('tell me');
    await t.slack.waitFor(() => t.slack.replies('C1', ts)[0]?.text === full, 8000, 'the exact final text');
    await settled(t);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual([full]);
    expect(t.dify.requests.filter((r) => r.path === `/v1/workflow/${runId}/events`)).toHaveLength(1);
    expect(t.logs.find((l) => l['msg'] === 'Dify run finished')).toMatchObject({ outcome: 'answered' });
    expect(t.logs.some((l) => l['msg'] === 'the Dify stream broke; re-attaching to the workflow run')).toBe(true);
  });

  it('a plain chat app (no workflow) still ends with "(interrupted)"-style failure when its stream drops', async () => {
    const t = await startTestBridge();
    cleanups.push(() => t.close());
    t.dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(events.message('Half an answer'))}\n\n`);
      await sleep(100);
      res.destroy();
    };
    const { ts } = await t.mention('tell me');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toMatch(/^Half an answer\n\n⚠️/);
    expect(t.dify.requests.some((r) => r.path.includes('/events'))).toBe(false);
  });

  it('a workflow from /dify survives SIGKILL: the restarted bridge re-attaches and finishes the same message, once', async () => {
    const slack = await new FakeSlack().start();
    const dify = await new FakeDify().start();
    const dir = mkdtempSync(join(tmpdir(), 'reattach-'));
    cleanups.push(
      () => slack.close(),
      () => dify.close(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify({ apps: { report: { type: 'workflow', apiKey: 'app-report' } } }));
    const wf = new WorkflowEvents();
    let user = '';
    dify.apps.set('app-report', {
      mode: 'workflow',
      name: 'Report',
      form: [{ paragraph: { variable: 'topic', label: 'Topic', required: true } }],
      onRun: async (req: DifyRequest, res: ServerResponse) => {
        user = String(req.body['user']);
        dify.workflowRuns.set(wf.runId, {
          key: 'app-report',
          user,
          status: 'running',
          outputs: {},
          onEvents: async (r, q) => {
            expect(q.get('include_state_snapshot')).toBe('true');
            const run = dify.workflowRuns.get(wf.runId)!;
            await sleep(200);
            run.status = 'succeeded';
            run.outputs = { report: 'The full report.' };
            await writeSse(r, ['ping', wf.started(), wf.nodeStarted('llm', 'llm', 'Write', 2), wf.finished('succeeded', { report: 'The full report.' })]);
          },
        });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of [wf.started(), wf.nodeStarted('llm', 'llm', 'Write', 2)]) res.write(`data: ${JSON.stringify(e)}\n\n`);
        // Streams slowly until the bridge is killed.
        for (let i = 0; i < 300 && !res.destroyed; i++) {
          res.write(`data: ${JSON.stringify(wf.textChunk(`w${i} `))}\n\n`);
          await sleep(50);
        }
        res.end();
      },
    });
    const port = await freePort();
    const env = {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      DIFY_API_URL: dify.url,
      BRIDGE_CONFIG: join(dir, 'bridge.json'),
      STORE_URL: `sqlite:${join(dir, 'bridge.db')}`,
      RUN_LEASE_MS: '1000',
      STREAM_INTERVAL_MS: '100',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const launch = () => launchBridge(env, port, cleanups);
    const first = await launch();
    const alice = new SlackUser(slack, () => `http://127.0.0.1:${port}`);
    await alice.command('report quarterly numbers');
    const msg = await slack.waitFor(() => slack.messages.find((m) => m.text.includes('w3 ')), 8000, 'the workflow streaming');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await launch();
    await slack.waitFor(() => slack.messages.find((m) => m.ts === msg.ts && m.text.includes('The full report.')), 10_000, 'the result after the restart');
    await sleep(500);
    const top = slack.messages.filter((m) => m.thread_ts === undefined && !m.deleted);
    expect(top).toHaveLength(1);
    expect(top[0]!.text).toMatch(/^\*\*report\*\* · for <@UALICE> · quarterly numbers\n\nThe full report\./);
    expect(dify.requests.filter((r) => r.path === `/v1/workflow/${wf.runId}/events`)).toHaveLength(1);
    expect(dify.requests.filter((r) => r.path === '/v1/workflows/run')).toHaveLength(1);
  });

  it('a SIGTERM hands a running chatflow over to the next process instead of cutting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handover-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const t = await startTestBridge({ env: { STORE_URL: `sqlite:${join(dir, 'bridge.db')}`, RUN_LEASE_MS: '1000', SHUTDOWN_TIMEOUT_MS: '100' } });
    cleanups.push(() => t.close());
    t.dify.chatMode = 'advanced-chat';
    const full = 'Begun here. Finished after the restart.';
    let runId = '';
    t.dify.onChat = async ({ req, res, conversationId }) => {
      runId = randomUUID();
      const ev = chatflowEvents(conversationId, runId);
      t.dify.workflowRuns.set(runId, {
        key: t.dify.apiKey,
        user: String(req.body['user']),
        status: 'running',
        outputs: {},
        onEvents: async (r) => {
          const run = t.dify.workflowRuns.get(runId)!;
          run.status = 'succeeded';
          run.outputs = { answer: full };
          await writeSse(r, ['ping', ev.started(), ev.message(' Finished after the restart.'), ev.end(), ev.finished({ answer: full })]);
        },
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(ev.started())}\n\ndata: ${JSON.stringify(ev.message('Begun here.'))}\n\n`);
      await new Promise((r) => res.once('close', r));
    };
    const { ts } = await t.mention('long job');
    await t.slack.waitFor(() => t.slack.replies('C1', ts)[0]?.text.startsWith('Begun here.'), 5000, 'the answer streaming');
    await t.restart();
    await t.slack.waitFor(() => t.slack.replies('C1', ts)[0]?.text === full, 8000, 'the answer finished by the next process');
    await settled(t);
    // Dify was never asked to stop it; the hand-over line is gone.
    expect(t.dify.requests.some((r) => r.path.endsWith('/stop'))).toBe(false);
    expect(t.slack.replies('C1', ts).map((m) => m.text)).toEqual([full]);
    const interim = t.slack.replies('C1', ts)[0]!.history;
    expect(interim.some((h) => h.includes('The bridge is restarting; this answer goes on in a moment.'))).toBe(true);
  });
});

describe('Human Input across replicas (Redis)', () => {
  it('a form shown by one replica is answered on the other, which follows the resumed run', async () => {
    const slack = await new FakeSlack().start();
    const dify = await new FakeDify().start();
    cleanups.push(
      () => slack.close(),
      () => dify.close(),
    );
    const a = await startTestBridge({ slack, dify, env: { STORE_URL: redis.url } });
    cleanups.push(() => a.close());
    const b = await startTestBridge({ slack, dify, env: { STORE_URL: redis.url } });
    cleanups.push(() => b.close());
    ApprovalFlow.chatflow(dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Approved on the other replica.' });
    const { ts } = await a.mention('refund');
    const form = await slack.waitFor(
      () => slack.replies('C1', ts).find((m) => (m.blocks ?? []).some((x) => x['block_id'] === 'dify_form_0')),
      5000,
      'the form',
    );
    await settled(a);
    const approve = (form.blocks!.find((x) => x['block_id'] === 'dify_form_0')!['elements'] as Array<{ action_id: string }>)[0]!.action_id;
    await b.press(form, approve);
    await slack.waitFor(() => slack.replies('C1', ts)[0]!.text.endsWith('Approved on the other replica.'), 5000, 'the resumed answer');
    await settled(b);
    expect(slack.replies('C1', ts).filter((m) => m.text)).toHaveLength(1);
    expect(b.logs.some((l) => l['msg'] === 'Human Input form answered')).toBe(true);
    expect(a.logs.some((l) => l['msg'] === 'Human Input form answered')).toBe(false);
  });
});
