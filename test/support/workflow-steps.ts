import { randomUUID } from 'node:crypto';
import { parseInputForm } from '../../src/core/commands/input-form.js';
import { stepCallbackId, stepFunction } from '../../src/slack/manifest-functions.js';
import { WorkflowEvents, writeSse, type FakeApp } from './fake-dify.js';
import { startTestBridge, type TestBridge } from './harness.js';

export const FORM = [
  { 'text-input': { variable: 'order', label: 'Order', required: true, max_length: 12 } },
  { select: { variable: 'tone', label: 'Tone', required: false, options: ['formal', 'casual'] } },
  { number: { variable: 'amount', label: 'Amount', required: false } },
];

export const refundsApp = (over: Partial<FakeApp> = {}): FakeApp => ({
  mode: 'workflow',
  name: 'Refund check',
  description: 'Checks a refund request',
  form: FORM,
  onRun: (req, res) => {
    const w = new WorkflowEvents();
    const inputs = req.body['inputs'] as Record<string, unknown>;
    return writeSse(res, [
      w.started(),
      w.nodeStarted('llm', 'llm', 'Decide', 1),
      w.nodeFinished('llm', 'llm', 'Decide', 1),
      w.finished('succeeded', { result: `Order ${String(inputs['order'])}: refund approved`, score: '0.92', approved: true }),
    ]);
  },
  ...over,
});

export const stepConfig = { outputs: { result: 'string', score: 'number', approved: 'boolean' } } as const;

export async function bridgeWithStep(config: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<TestBridge> {
  const b = await startTestBridge({
    bridgeConfig: { apps: { refunds: { type: 'workflow', apiKey: 'app-refunds', workflowStep: stepConfig, ...config } } },
    env: { DIFY_API_KEY: '', ...env },
  });
  b.dify.apps.set('app-refunds', refundsApp());
  return b;
}

/**
 * Workflow Builder runs the step: Slack issues the execution a token of its own and sends
 * function_executed, shaped as @slack/types' FunctionExecutedEvent, with the step as the
 * manifest declares it (the same stepFunction `npm run manifest` writes).
 */
export async function runStep(b: TestBridge, inputs: Record<string, unknown>, opts: { retryNum?: number; executionId?: string } = {}) {
  const fn = stepFunction({ id: 'refunds', title: 'Refund check', description: 'Checks a refund request', fields: parseInputForm(FORM) }, stepConfig);
  const id = opts.executionId ?? `Fx${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const execution = b.slack.executions.get(id) ?? b.slack.startExecution(id, fn.output_parameters);
  const params = (p: typeof fn.input_parameters) =>
    Object.entries(p.properties).map(([name, v]) => ({ name, type: v.type, title: v.title, is_required: p.required?.includes(name) ?? false }));
  const event = {
    type: 'function_executed',
    function: {
      id: 'Fn0STEP',
      callback_id: stepCallbackId('refunds'),
      title: fn.title,
      description: fn.description,
      type: 'app',
      input_parameters: params(fn.input_parameters),
      output_parameters: params(fn.output_parameters),
      app_id: 'A1',
      date_created: 1789900000,
      date_updated: 1789900000,
      date_deleted: 0,
    },
    inputs,
    function_execution_id: id,
    workflow_execution_id: 'Wx0RUN',
    event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    bot_access_token: execution.token,
  };
  const sent = await b.sendEvent(event, { eventId: `Ev${id}`, ...(opts.retryNum !== undefined ? { retryNum: opts.retryNum } : {}) });
  return { execution, sent, id };
}

export const ended = (b: TestBridge, id: string) =>
  b.slack.waitFor(() => b.slack.executions.get(id)?.state !== 'running' && b.slack.executions.get(id), 5000, 'the step to end');
