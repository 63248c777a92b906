import { afterEach, describe, expect, it } from 'vitest';
import type { TestBridge } from '../support/harness.js';
import { bridgeWithStep, ended, runStep, stepConfig } from '../support/workflow-steps.js';

// Review item 7: a workflow author could run an app limited to one person by naming that person as "Run for".
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a Workflow Builder step of an app with an access rule', () => {
  it('fails with one clear line, whoever it names, unless the operator set workflowStep.trustRunFor', async () => {
    t = await bridgeWithStep({ access: { users: ['UBOB'] } });
    const step = await runStep(t, { order: '8812', run_for: 'UBOB', ask_in: 'C1' });
    const done = await ended(t, step.id);
    expect(done.state).toBe('failed');
    expect(done.error).toBe(
      "refunds has an access rule, and a Workflow Builder step cannot prove who it runs for (any workflow author can name anyone). The bot's operator can allow it with workflowStep.trustRunFor.",
    );
    expect(t.dify.requests.filter((r) => r.path.startsWith('/v1/workflows'))).toHaveLength(0);
  });

  it('runs for the named person when the operator trusts it (and the rule allows them)', async () => {
    t = await bridgeWithStep({ access: { users: ['UBOB'] }, workflowStep: { ...stepConfig, trustRunFor: true } });
    const step = await runStep(t, { order: '8812', run_for: 'UBOB' });
    expect((await ended(t, step.id)).state).toBe('completed');
  });

  it('an app without an access rule runs as before', async () => {
    t = await bridgeWithStep();
    const step = await runStep(t, { order: '8812', run_for: 'UALICE' });
    expect((await ended(t, step.id)).state).toBe('completed');
  });
});
