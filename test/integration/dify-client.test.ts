import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDifyClient, type DifyClient } from '../../src/dify/client.js';
import { DifyError } from '../../src/dify/errors.js';
import type { DifyEvent } from '../../src/dify/events.js';
import { echoChat, FakeDify, json, sleep, writeSse } from '../support/fake-dify.js';

let dify: FakeDify;
let client: DifyClient;
const timeouts = { connectMs: 2000, idleMs: 400, blockingMs: 5000 };

beforeAll(async () => {
  dify = await new FakeDify().start();
});
afterAll(async () => {
  await (client as DifyClient | undefined)?.close();
  await dify.close();
});
beforeEach(() => {
  dify.requests.length = 0;
  dify.onRequest = () => false;
  dify.onChat = ({ events, res }) => writeSse(res, [events.message('Hi'), 'ping', events.message(' there'), events.messageEnd()]);
  client = createDifyClient(
    {
      chatty: { type: 'chat', apiKey: dify.apiKey, apiUrl: dify.url },
      flow: { type: 'workflow', apiKey: dify.apiKey, apiUrl: dify.url },
      writer: { type: 'completion', apiKey: dify.apiKey, apiUrl: dify.url },
      badkey: { type: 'chat', apiKey: 'app-nope', apiUrl: dify.url },
    },
    timeouts,
  );
});

async function drain(stream: AsyncIterable<DifyEvent>): Promise<DifyEvent[]> {
  const out: DifyEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

async function caught(p: Promise<unknown>): Promise<DifyError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DifyError) return err;
    throw err;
  }
  throw new Error('expected a DifyError');
}

describe('Dify client: chat', () => {
  it('streams typed events and knows the task id', async () => {
    const stream = await client.app.chat.invoke('chatty', { query: 'hi', inputs: {}, user: 'u1', responseMode: 'streaming' });
    const events = await drain(stream);
    expect(events.map((e) => e.event)).toEqual(['message', 'message', 'message_end']);
    expect(stream.taskId).toBeDefined();
    const req = dify.chatRequests()[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${dify.apiKey}`);
    expect(req.body).toEqual({ query: 'hi', conversation_id: '', inputs: {}, user: 'u1', response_mode: 'streaming' });
  });

  it('ends the stream with the in-stream error', async () => {
    dify.onChat = ({ events, res }) => writeSse(res, [events.message('partial'), events.error('provider_quota_exceeded', 'Your quota is exhausted')]);
    const stream = await client.app.chat.invoke('chatty', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming' });
    const err = await caught(drain(stream));
    expect(err).toMatchObject({ kind: 'stream', code: 'provider_quota_exceeded', status: 400, message: 'Your quota is exhausted' });
  });

  it('maps HTTP errors to DifyError with status and code', async () => {
    const unauthorized = await caught(client.app.chat.invoke('badkey', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming' }));
    expect(unauthorized).toMatchObject({ kind: 'http', status: 401, code: 'unauthorized', message: 'Access token is invalid' });
    const missing = await caught(
      client.app.chat.invoke('chatty', {
        query: 'q',
        inputs: {},
        user: 'u',
        responseMode: 'streaming',
        conversationId: '45701982-8118-4bc5-8e9b-64562b4555f2',
      }),
    );
    expect(missing.isConversationMissing).toBe(true);
  });

  it('never retries a generation POST', async () => {
    dify.onChat = ({ res }) => json(res, 500, { code: 'internal_server_error', message: 'Internal Server Error, please contact support.', status: 500 });
    const err = await caught(client.app.chat.invoke('chatty', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming' }));
    expect(err.status).toBe(500);
    expect(dify.chatRequests()).toHaveLength(1);
  });

  it('aborts a stalled stream after the idle timeout (pings keep it alive)', async () => {
    dify.onChat = async ({ events, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(`data: ${JSON.stringify(events.message('a'))}\n\n`);
      for (let i = 0; i < 3; i++) {
        await sleep(250);
        res.write('event: ping\n\n');
      }
      await sleep(2000); // silence past the 400 ms idle timeout
      res.end();
    };
    const stream = await client.app.chat.invoke('chatty', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming' });
    const started = Date.now();
    const err = await caught(drain(stream));
    expect(err).toMatchObject({ kind: 'timeout', code: 'idle_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('stops reading at once when aborted', async () => {
    dify.onChat = async ({ events, res }) =>
      writeSse(
        res,
        Array.from({ length: 100 }, () => events.message('x')),
        30,
      );
    const controller = new AbortController();
    const stream = await client.app.chat.invoke('chatty', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming', signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await caught(drain(stream));
    expect(err.kind).toBe('aborted');
  });

  it('reports a refused connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const offline = createDifyClient({ chatty: { type: 'chat', apiKey: 'k', apiUrl: `http://127.0.0.1:${port}/v1` } }, timeouts);
    const err = await caught(offline.app.chat.invoke('chatty', { query: 'q', inputs: {}, user: 'u', responseMode: 'streaming' }));
    expect(err).toMatchObject({ kind: 'network', code: 'connection_refused' });
    await offline.close();
  });

  it('invokes only configured apps, through the interface of their type', async () => {
    expect(await caught(client.app.chat.invoke('elsewhere', { query: 'q', inputs: {}, user: 'u', responseMode: 'blocking' }))).toMatchObject({
      kind: 'config',
      code: 'unknown_app',
    });
    expect(await caught(client.app.chat.invoke('flow', { query: 'q', inputs: {}, user: 'u', responseMode: 'blocking' }))).toMatchObject({
      kind: 'config',
      code: 'wrong_app_type',
    });
    expect(dify.requests).toHaveLength(0);
  });

  it('returns the blocking response object', async () => {
    dify.onChat = echoChat;
    const res = await client.app.chat.invoke('chatty', { query: 'ping', inputs: {}, user: 'u', responseMode: 'blocking' });
    expect(res.answer).toBe('You said: ping');
    expect(res.conversation_id).toBeDefined();
  });
});

describe('Dify client: workflow, completion and app endpoints', () => {
  it('runs a workflow streaming and blocking, including a failed run', async () => {
    dify.onRequest = (req, res) => {
      if (req.path !== '/v1/workflows/run') return false;
      const finished = {
        id: 'r1',
        workflow_id: 'w',
        status: 'failed',
        outputs: null,
        error: 'Node LLM failed',
        elapsed_time: 0.4,
        total_tokens: 0,
        total_steps: 2,
      };
      if (req.body['response_mode'] === 'blocking') json(res, 200, { task_id: 't1', workflow_run_id: 'r1', data: finished });
      else
        void writeSse(res, [
          { event: 'workflow_started', workflow_run_id: 'r1', task_id: 't1', data: { id: 'r1', workflow_id: 'w', inputs: {}, created_at: 1 } },
          { event: 'text_chunk', workflow_run_id: 'r1', task_id: 't1', data: { text: 'Bon', from_variable_selector: ['llm', 'text'] } },
          { event: 'workflow_finished', workflow_run_id: 'r1', task_id: 't1', data: finished },
        ]);
      return true;
    };
    const events = await drain(await client.app.workflow.invoke('flow', { inputs: { q: 'x' }, user: 'u', responseMode: 'streaming' }));
    expect(events.map((e) => e.event)).toEqual(['workflow_started', 'text_chunk', 'workflow_finished']);
    const blocking = await client.app.workflow.invoke('flow', { inputs: {}, user: 'u', responseMode: 'blocking' });
    expect(blocking.data).toMatchObject({ status: 'failed', error: 'Node LLM failed' });
  });

  it('runs a completion app with inputs and no conversation', async () => {
    dify.onRequest = (req, res) => {
      if (req.path !== '/v1/completion-messages') return false;
      void writeSse(res, [
        { event: 'message', message_id: 'm', created_at: 1, task_id: 't', id: 'm', answer: 'Hello', from_variable_selector: null },
        { event: 'message_end', message_id: 'm', created_at: 1, task_id: 't', id: 'm', metadata: {}, files: null },
      ]);
      return true;
    };
    const events = await drain(await client.app.completion.invoke('writer', { inputs: { topic: 'x' }, user: 'u', responseMode: 'streaming' }));
    expect(events.map((e) => e.event)).toEqual(['message', 'message_end']);
    expect(dify.requests[0]!.body).toEqual({ query: '', inputs: { topic: 'x' }, user: 'u', response_mode: 'streaming' });
  });

  it('calls the stop endpoint of each app type with the user', async () => {
    dify.onRequest = (_req, res) => {
      json(res, 200, { result: 'success' });
      return true;
    };
    await client.stop('chatty', 'task-1', 'u1');
    await client.stop('writer', 'task-2', 'u2');
    await client.stop('flow', 'task-3', 'u3');
    expect(dify.requests.map((r) => [r.path, r.body['user']])).toEqual([
      ['/v1/chat-messages/task-1/stop', 'u1'],
      ['/v1/completion-messages/task-2/stop', 'u2'],
      ['/v1/workflows/tasks/task-3/stop', 'u3'],
    ]);
  });

  it('reads parameters and info, uploads a file (201) and sends feedback', async () => {
    dify.onRequest = (req, res) => {
      if (req.path === '/v1/parameters')
        json(res, 200, { opening_statement: 'Hi', user_input_form: [{ 'text-input': { label: 'City', variable: 'city', required: true } }], extra: 1 });
      else if (req.path === '/v1/info') json(res, 200, { name: 'Helper', description: 'Helps', tags: [], mode: 'chat' });
      else if (req.path === '/v1/files/upload') json(res, 201, { id: 'file-1', name: 'a.txt', size: 3, extension: 'txt', mime_type: 'text/plain' });
      else if (req.path === '/v1/messages/m1/feedbacks') json(res, 200, { result: 'success' });
      else return false;
      return true;
    };
    expect((await client.parameters('chatty')).user_input_form).toHaveLength(1);
    expect((await client.info('chatty')).name).toBe('Helper');
    expect(await client.uploadFile('chatty', { data: new TextEncoder().encode('abc'), filename: 'a.txt', mimeType: 'text/plain', user: 'u' })).toMatchObject({
      id: 'file-1',
    });
    const upload = dify.requests.find((r) => r.path === '/v1/files/upload')!;
    expect(String(upload.headers['content-type'])).toMatch(/^multipart\/form-data/);
    expect(String(upload.body['raw'])).toContain('name="user"');
    await client.feedback('chatty', 'm1', { rating: 'like', user: 'u' });
    expect(dify.requests.at(-1)!.body).toEqual({ rating: 'like', user: 'u' });
  });
});

describe('Human Input forms and re-attaching to a run', () => {
  const user = 'slack:T1:user:UALICE';
  const form = {
    form_content: 'Refund **$120** for order 8812?',
    inputs: [
      { type: 'paragraph', output_variable_name: 'comment', default: { type: 'constant', selector: [], value: '' } },
      { type: 'select', output_variable_name: 'reason', option_source: { type: 'constant', selector: [], value: ['damaged', 'late'] } },
    ],
    resolved_default_values: { comment: '' },
    user_actions: [
      { id: 'approve', title: 'Approve', button_style: 'primary' },
      { id: 'reject', title: 'Reject', button_style: 'default' },
    ],
    expiration_time: Math.floor(Date.now() / 1000) + 3600,
  };
  let hitl: DifyClient;
  beforeEach(() => {
    dify.apps.set('app-hitl-key-000000001', { mode: 'workflow', name: 'Approvals' });
    hitl = createDifyClient(
      { approvals: { type: 'workflow', apiKey: 'app-hitl-key-000000001', apiUrl: dify.url }, chatty: { type: 'chat', apiKey: dify.apiKey, apiUrl: dify.url } },
      timeouts,
    );
  });

  it('reads a form, refuses a submit Dify refuses, takes a good one once, then follows the resumed run', async () => {
    const runId = 'run-8812';
    const token = dify.pause('app-hitl-key-000000001', {
      runId,
      user,
      form,
      onEvents: (res) =>
        writeSse(res, [
          'ping',
          { event: 'workflow_started', workflow_run_id: runId, task_id: 't1', data: { id: runId, workflow_id: 'w', inputs: {}, reason: 'resumption' } },
          {
            event: 'human_input_form_filled',
            workflow_run_id: runId,
            task_id: 't1',
            data: {
              node_id: 'n3',
              node_title: 'Approve refund',
              rendered_content: 'Refund **$120**',
              action_id: 'approve',
              action_text: 'Approve',
              submitted_data: { comment: 'OK' },
            },
          },
          {
            event: 'workflow_finished',
            workflow_run_id: runId,
            task_id: 't1',
            data: { id: runId, status: 'succeeded', outputs: { result: 'Refund approved.' } },
          },
        ]),
    });
    const read = await hitl.humanInput.form('approvals', token);
    expect(read).toMatchObject({
      form_content: 'Refund **$120** for order 8812?',
      user_actions: [{ id: 'approve', title: 'Approve', button_style: 'primary' }, { id: 'reject' }],
    });
    expect(read.inputs.map((i) => i.output_variable_name)).toEqual(['comment', 'reason']);

    expect(await caught(hitl.humanInput.submit('approvals', token, { inputs: { comment: 'x', reason: 'late' }, action: 'escalate', user }))).toMatchObject({
      status: 400,
      code: 'invalid_form_data',
      message: 'Invalid action: escalate',
    });
    expect(await caught(hitl.humanInput.submit('approvals', token, { inputs: { comment: 'x' }, action: 'approve', user }))).toMatchObject({
      status: 400,
      message: 'Missing required inputs: reason',
    });
    // Following the run as someone else: Dify says it does not exist.
    expect(await caught(hitl.workflowEvents('approvals', runId, { user: 'slack:T1:user:UBOB' }))).toMatchObject({ status: 404 });

    await hitl.humanInput.submit('approvals', token, { inputs: { comment: 'OK', reason: 'damaged' }, action: 'approve', user });
    expect(await caught(hitl.humanInput.submit('approvals', token, { inputs: { comment: 'OK', reason: 'damaged' }, action: 'approve', user }))).toMatchObject({
      status: 412,
      code: 'human_input_form_submitted',
    });
    const stream = await hitl.workflowEvents('approvals', runId, { user, includeStateSnapshot: true });
    const events = await drain(stream);
    expect(events.map((e) => e.event)).toEqual(['workflow_started', 'human_input_form_filled', 'workflow_finished']);
    const filled = events[1]!;
    expect(filled.event === 'human_input_form_filled' && filled.data.action_text).toBe('Approve');
    expect(dify.requests.at(-1)!.path).toBe(`/v1/workflow/${runId}/events`);

    dify.workflowRuns.get(runId)!.status = 'succeeded';
    dify.workflowRuns.get(runId)!.outputs = { result: 'Refund approved.' };
    expect(await hitl.workflowRun('approvals', runId)).toMatchObject({ id: runId, status: 'succeeded', outputs: { result: 'Refund approved.' } });
    // A finished run followed again: one workflow_finished, then the end.
    expect((await drain(await hitl.workflowEvents('approvals', runId, { user }))).map((e) => e.event)).toEqual(['workflow_finished']);
  });

  it('says when a form has expired, belongs to another app, or the app cannot pause', async () => {
    const expired = dify.pause('app-hitl-key-000000001', { runId: 'run-old', user, form: { ...form, expiration_time: 1 } });
    expect(await caught(hitl.humanInput.form('approvals', expired))).toMatchObject({ status: 412, code: 'human_input_form_expired' });
    const others = dify.pause('app-someone-else-00001', { runId: 'run-x', user, form });
    expect(await caught(hitl.humanInput.form('approvals', others))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await caught(hitl.workflowEvents('chatty', 'run-x', { user }))).toMatchObject({ status: 400, code: 'not_workflow_app' });
  });

  it('parses human_input_required leniently: an empty data (langgenius/dify#35504) and an email-only form (no token)', async () => {
    dify.apps.set('app-hitl-key-000000001', {
      mode: 'workflow',
      name: 'Approvals',
      onRun: (_req, res) =>
        writeSse(res, [
          { event: 'human_input_required', workflow_run_id: 'r', task_id: 't', data: {} },
          { event: 'human_input_required', workflow_run_id: 'r', task_id: 't', data: { form_token: null, node_title: 'Approve', form_content: 'By email' } },
          { event: 'workflow_paused', workflow_run_id: 'r', task_id: 't', data: { workflow_run_id: 'r', paused_nodes: ['n'], outputs: {}, reasons: [] } },
        ]),
    });
    const events = await drain(await hitl.app.workflow.invoke('approvals', { inputs: {}, user, responseMode: 'streaming' }));
    expect(events.map((e) => e.event)).toEqual(['human_input_required', 'human_input_required', 'workflow_paused']);
    const [empty, email] = events;
    expect(empty!.event === 'human_input_required' && empty.data).toEqual({});
    expect(email!.event === 'human_input_required' && email.data.form_token).toBeNull();
  });
});
