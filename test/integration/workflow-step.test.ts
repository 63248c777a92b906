import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputForm } from '../../src/core/commands/input-form.js';
import { stepCallbackId, stepFunction } from '../../src/slack/manifest-functions.js';
import { WorkflowEvents, writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { ApprovalFlow, approveForm } from '../support/human-input-flow.js';
import { bridgeWithStep, ended, refundsApp, runStep, stepConfig } from '../support/workflow-steps.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a Dify workflow as a Workflow Builder step', () => {
  it('runs the workflow with the step’s inputs and completes the step with its typed outputs, once per execution', async () => {
    t = await bridgeWithStep();
    const { sent, id, execution } = await runStep(t, { order: '8812', tone: 'formal', amount: 120, run_for: 'UALICE', ask_in: 'C1' });
    expect(sent.status).toBe(200);
    const done = await ended(t, id);
    expect(done.state).toBe('completed');
    expect(done.result).toEqual({
      text: 'result: Order 8812: refund approved\nscore: 0.92\napproved: true',
      run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      result: 'Order 8812: refund approved',
      score: 0.92,
      approved: true,
    });
    // Dify got the inputs as its form wants them, for the person the step runs for.
    const run = t.dify.requests.find((r) => r.path === '/v1/workflows/run')!;
    expect(run.body).toMatchObject({ inputs: { order: '8812', tone: 'formal', amount: 120 }, user: 'slack:T1:user:UALICE', response_mode: 'streaming' });
    // Ended with the execution's own token; nothing was posted (a step shows nothing while it runs).
    const completes = t.slack.callsTo('functions.completeSuccess');
    expect(completes.map((c) => c.auth)).toEqual([`Bearer ${execution.token}`]);
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
    // Slack's retry of the same delivery (and any duplicate) runs nothing again.
    await runStep(t, { order: '8812', run_for: 'UALICE' }, { executionId: id, retryNum: 1 });
    await settled(t);
    expect(t.dify.requests.filter((r) => r.path === '/v1/workflows/run')).toHaveLength(1);
    expect(t.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
    expect(t.slack.callsTo('functions.completeError')).toHaveLength(0);
  });

  it('fails the step with one line: inputs that do not suit the form, a workflow that fails, Dify refusing the run', async () => {
    t = await bridgeWithStep();
    // Checked before Dify is asked: a choice not offered, a value too long.
    const bad = await runStep(t, { order: '8812-0000-0000-1', tone: 'angry', run_for: 'UALICE' });
    expect((await ended(t, bad.id)).error).toBe(
      'The step\'s inputs do not suit the Dify workflow: Order is longer than 12 characters; Tone is "angry", not one of formal, casual.',
    );
    expect(t.dify.requests.filter((r) => r.path === '/v1/workflows/run')).toHaveLength(0);
    // The workflow runs and fails at a node.
    t.dify.apps.set(
      'app-refunds',
      refundsApp({
        onRun: (_req, res) => {
          const w = new WorkflowEvents();
          return writeSse(res, [
            w.started(),
            w.nodeStarted('http', 'http-request', 'Look up order', 1),
            w.nodeFinished('http', 'http-request', 'Look up order', 1, 'failed', 'HTTP 503 from orders.internal'),
            w.finished('failed', null, 'HTTP 503 from orders.internal'),
          ]);
        },
      }),
    );
    const failed = await runStep(t, { order: '8812', run_for: 'UALICE' });
    expect((await ended(t, failed.id)).error).toBe('The Dify workflow failed at "Look up order": HTTP 503 from orders.internal');
    // Dify refuses to start it (its own validation).
    t.dify.apps.set(
      'app-refunds',
      refundsApp({
        onRun: (_req, res) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'invalid_param', message: 'order in input form must be less than 12 characters', status: 400 }));
        },
      }),
    );
    const refused = await runStep(t, { order: '8812', run_for: 'UALICE' });
    expect((await ended(t, refused.id)).error).toBe('Dify refused to run refunds (invalid_param): order in input form must be less than 12 characters');
    await settled(t);
    expect(t.slack.callsTo('functions.completeSuccess')).toHaveLength(0);
  });

  it('the access policy decides before Dify is called: someone not allowed, and a step that names nobody', async () => {
    t = await bridgeWithStep({ access: { users: ['UBOB'] }, workflowStep: { ...stepConfig, trustRunFor: true } });
    const alice = await runStep(t, { order: '8812', run_for: 'UALICE' });
    expect((await ended(t, alice.id)).error).toBe('refunds is limited to certain people; ask the operator of this bot for access.');
    const nobody = await runStep(t, { order: '8812' });
    expect((await ended(t, nobody.id)).error).toBe('refunds is limited to certain people: the step must say whom it runs for (its "Run for" input).');
    expect(t.dify.requests.filter((r) => r.path.startsWith('/v1/workflows'))).toHaveLength(0);
    const bob = await runStep(t, { order: '8812', run_for: 'UBOB' });
    expect((await ended(t, bob.id)).state).toBe('completed');
  });

  it('a workflow that pauses for a person asks in the step’s channel; the answer resumes it and the step completes', async () => {
    t = await bridgeWithStep();
    const flow = ApprovalFlow.workflow(t.dify, 'app-refunds', {
      before: 'Checking order…',
      forms: [approveForm()],
      after: ([a]) => `Refund 8812 ${a!.action}d.`,
    });
    t.dify.apps.set('app-refunds', refundsApp({ onRun: flow.onRun }));
    const { id } = await runStep(t, { order: '8812', ask_in: 'C1' });
    const form = await t.slack.waitFor(() => t!.slack.messages.find((m) => m.channel === 'C1' && m.text.includes('waiting for an answer')), 5000, 'the form');
    expect(form.text).toMatch(/^\*\*refunds\*\* · a Workflow Builder step/);
    expect(t.slack.executions.get(id)!.state).toBe('running');
    // No "Run for": anyone who sees the channel may answer.
    const approve = (form.blocks ?? [])
      .flatMap((b) => (b['type'] === 'actions' ? (b['elements'] as Array<Record<string, unknown>>) : []))
      .find((e) => (e['text'] as { text: string }).text === 'Approve')!;
    await t.press(form, String(approve['action_id']), { user: 'UBOB' });
    const done = await ended(t, id);
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ text: 'Checking order…Refund 8812 approved.' });
    await settled(t);
    expect(t.slack.messages.find((m) => m.ts === form.ts)!.text).toContain('✅ *Approve* — chosen by <@UBOB>');
  });

  it('without a channel it asks the person it runs for in a DM; with nobody to ask, the step fails saying what to set', async () => {
    t = await bridgeWithStep();
    t.slack.grantedScopes.push('im:write');
    const flow = ApprovalFlow.workflow(t.dify, 'app-refunds', { before: 'Checking…', forms: [approveForm()], after: () => ' Done.' });
    t.dify.apps.set('app-refunds', refundsApp({ onRun: flow.onRun }));
    await runStep(t, { order: '8812', run_for: 'UALICE' });
    const dm = await t.slack.waitFor(() => t!.slack.messages.find((m) => m.channel === 'DALICE' && m.text.includes('waiting for an answer')), 5000, 'the DM');
    expect(dm.text).toMatch(/for <@UALICE>/);
    const nobody = await runStep(t, { order: '8813' });
    expect((await ended(t, nobody.id)).error).toBe(
      'The Dify workflow is waiting for a person (a Human Input form), but the step names nobody to ask: set its "Ask in" channel or its "Run for" person in Workflow Builder.',
    );
  });

  it('a step whose run is under way at a restart is ended by the next process, with the outputs Dify reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'step-handover-'));
    try {
      t = await bridgeWithStep({}, { STORE_URL: `sqlite:${join(dir, 'bridge.db')}`, RUN_LEASE_MS: '1000', SHUTDOWN_TIMEOUT_MS: '100' });
      const w = new WorkflowEvents();
      t.dify.apps.set(
        'app-refunds',
        refundsApp({
          onRun: async (req, res) => {
            t!.dify.workflowRuns.set(w.runId, {
              key: 'app-refunds',
              user: String(req.body['user']),
              status: 'running',
              outputs: {},
              onEvents: async (r) => {
                const run = t!.dify.workflowRuns.get(w.runId)!;
                run.status = 'succeeded';
                run.outputs = { result: 'Approved after the restart', score: 1 };
                await writeSse(r, ['ping', w.started(), w.finished('succeeded', run.outputs)]);
              },
            });
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write(`data: ${JSON.stringify(w.started())}\n\ndata: ${JSON.stringify(w.nodeStarted('llm', 'llm', 'Decide', 1))}\n\n`);
            await new Promise((r) => res.once('close', r));
          },
        }),
      );
      const { id } = await runStep(t, { order: '8812', run_for: 'UALICE', ask_in: 'C1' });
      await t.slack.waitFor(() => t!.dify.requests.some((r) => r.path === '/v1/workflows/run'), 5000, 'the run to start');
      await new Promise((r) => setTimeout(r, 200));
      await t.restart();
      const done = await ended(t, id);
      expect(done.state).toBe('completed');
      expect(done.result).toMatchObject({
        text: 'result: Approved after the restart\nscore: 1',
        result: 'Approved after the restart',
        score: 1,
        run_id: w.runId,
      });
      await settled(t);
      // Nothing was shown, not even the hand-over line; Dify was not asked to stop it.
      expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
      expect(t.dify.requests.some((r) => r.path.endsWith('/stop'))).toBe(false);
      expect(t.slack.callsTo('functions.completeSuccess')).toHaveLength(1);
      expect(t.logs.some((l) => String(l['msg']).startsWith('shutting down: the workflow run is left for the next process'))).toBe(true);
    } finally {
      await t?.close();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file the step is given is read from Slack with the bot token and handed to the workflow', async () => {
    t = await startTestBridge({
      bridgeConfig: { apps: { contracts: { type: 'workflow', apiKey: 'app-contracts', workflowStep: true } } },
      env: { DIFY_API_KEY: '' },
    });
    const form = [{ file: { variable: 'contract', label: 'Contract', required: true, allowed_file_types: ['document'] } }];
    t.dify.apps.set('app-contracts', { mode: 'workflow', name: 'Contract review', form });
    t.slack.shareFile('F0CONTRACT', Buffer.from('%PDF-1.4 terms'), 'application/pdf', 'contract.pdf');
    const fn = stepFunction({ id: 'contracts', title: 'Contract review', description: '', fields: parseInputForm(form) }, {});
    expect(fn.input_parameters.properties['contract']).toMatchObject({ type: 'slack#/types/file_id' });
    const execution = t.slack.startExecution('Fx0FILE', fn.output_parameters);
    await t.sendEvent({
      type: 'function_executed',
      function: {
        id: 'Fn0C',
        callback_id: stepCallbackId('contracts'),
        title: fn.title,
        type: 'app',
        input_parameters: [],
        output_parameters: [],
        app_id: 'A1',
      },
      inputs: { contract: 'F0CONTRACT', run_for: 'UALICE' },
      function_execution_id: 'Fx0FILE',
      workflow_execution_id: 'Wx0FILE',
      event_ts: '1789900000.000100',
      bot_access_token: execution.token,
    });
    const done = await ended(t, 'Fx0FILE');
    expect(done.state).toBe('completed');
    expect(t.dify.uploads).toEqual([expect.objectContaining({ filename: 'contract.pdf', key: 'app-contracts', user: 'slack:T1:user:UALICE' })]);
    const run = t.dify.requests.find((r) => r.path === '/v1/workflows/run')!;
    expect(run.body['inputs']).toEqual({ contract: { type: 'document', transfer_method: 'local_file', upload_file_id: t.dify.uploads[0]!.id } });
    // The echo workflow's one output is the step's text.
    expect(done.result!['text']).toContain('upload_file_id');
    expect(t.slack.fileAuth).toEqual([`Bearer ${t.slack.token}`]);
  });
});
