import { describe, expect, it } from 'vitest';
import { parseInputForm } from '../../src/core/commands/input-form.js';
import { quietUntilAsked } from '../../src/core/steps/quiet-sink.js';
import { plainLine, stepInputs, stepResult } from '../../src/core/steps/step-io.js';
import { emptyWorkflow, type WorkflowState } from '../../src/core/streaming/workflow-state.js';
import { SinkUnavailable, type AnswerSink } from '../../src/core/ports.js';

const finished = (status: string, outputs: Record<string, unknown>, extra: Partial<WorkflowState> = {}): WorkflowState => ({
  ...emptyWorkflow(),
  runId: 'run-1',
  finished: { status, outputs, files: [] },
  ...extra,
});

describe('a step’s inputs', () => {
  const fields = parseInputForm([
    { 'text-input': { variable: 'order', label: 'Order', required: true, max_length: 5 } },
    { number: { variable: 'amount', label: 'Amount', required: false } },
    { select: { variable: 'tone', label: 'Tone', required: false, options: ['formal', 'casual'] } },
    { checkbox: { variable: 'urgent', label: 'Urgent', required: false } },
    { json_object: { variable: 'meta', label: 'Meta', required: false } },
    { 'file-list': { variable: 'docs', label: 'Docs', required: false } },
  ]);

  it('are handed to Dify as its form takes them', () => {
    expect(stepInputs(fields, { order: '8812', amount: '12.5', tone: 'casual', urgent: true, meta: '{"a":1}', docs: 'F1' })).toEqual({
      inputs: { order: '8812', amount: 12.5, tone: 'casual', urgent: true, meta: { a: 1 } },
      files: { docs: ['F1'] },
      errors: [],
    });
  });

  it('name each input that does not suit the form', () => {
    expect(stepInputs(fields, { amount: 'twelve', tone: 'angry', meta: '[1]' }).errors).toEqual([
      'Order is required',
      'Amount is not a number ("twelve")',
      'Tone is "angry", not one of formal, casual',
      'Meta is not a JSON object',
    ]);
    expect(stepInputs(fields, { order: '123456' }).errors).toEqual(['Order is longer than 5 characters']);
  });
});

describe('a step’s result', () => {
  it('hands on the declared outputs with their types, and the text', () => {
    const r = stepResult(finished('succeeded', { summary: 'Fine', score: '3', ok: 'true', extra: { a: 1 } }), undefined, {
      summary: 'string',
      score: 'integer',
      ok: 'boolean',
      extra: 'string',
      missing: 'number',
    });
    expect(r).toEqual({
      outputs: { text: 'summary: Fine\nscore: 3\nok: true\nextra: {"a":1}', run_id: 'run-1', summary: 'Fine', score: 3, ok: true, extra: '{"a":1}' },
    });
    // Streamed text wins as the text; one string output is the text.
    expect(stepResult(finished('succeeded', { a: 'x' }, { text: ' Streamed. ' }), undefined, {})).toEqual({ outputs: { text: 'Streamed.', run_id: 'run-1' } });
    expect(stepResult(finished('partial-succeeded', { a: 'Only one' }), undefined, {})).toEqual({ outputs: { text: 'Only one', run_id: 'run-1' } });
  });

  it('fails the step, in one plain line, on a mistyped output, a failed or stopped run, or a failure shown', () => {
    expect(stepResult(finished('succeeded', { score: 'high' }), undefined, { score: 'number' })).toEqual({
      error: 'The step cannot hand on its outputs: the workflow\'s output score is "high", not a number.',
    });
    expect(stepResult(finished('failed', {}, { failedNode: { title: 'Fetch', error: 'boom' } }), undefined, {})).toEqual({
      error: 'The Dify workflow failed at "Fetch": boom',
    });
    expect(stepResult(finished('stopped', {}), undefined, {})).toEqual({ error: 'The Dify workflow was stopped.' });
    expect(stepResult(emptyWorkflow(), '⚠️ Dify error (**internal_server_error**): it broke', {})).toEqual({
      error: 'Dify error (internal_server_error): it broke',
    });
    expect(stepResult(emptyWorkflow(), undefined, {})).toEqual({ error: 'The Dify workflow ended without a result.' });
    expect(plainLine('_(interrupted, please ask again)_')).toBe('interrupted, please ask again');
  });
});

describe('a step’s quiet sink', () => {
  it('shows nothing until the run waits for a person, then everything', async () => {
    const shown: string[] = [];
    const inner: AnswerSink = { show: async (m) => void shown.push(m), setControls: () => undefined };
    const sink = quietUntilAsked(inner, 'nobody');
    await sink.show('working…', false);
    sink.setControls!({ stop: { runId: 'r', askerId: 'U1' } });
    await sink.show('still working…', false);
    expect(shown).toEqual([]);
    sink.setControls!({ waiting: true });
    await sink.show('waiting for an answer', true);
    expect(shown).toEqual(['waiting for an answer']);
  });

  it('with nobody to ask, the waiting show fails as a sink nobody sees', async () => {
    const sink = quietUntilAsked(undefined, 'nobody to ask');
    await sink.show('working…', false);
    sink.setControls!({ waiting: true });
    await expect(sink.show('waiting', true)).rejects.toBeInstanceOf(SinkUnavailable);
  });
});
