import type { StepOutputType, WorkflowStepConfig } from '../config/types.js';
import type { FormField } from '../core/commands/input-form.js';
import { STEP_RUN_OUTPUT, STEP_TEXT_OUTPUT } from '../core/steps/step-io.js';

/** The step's own inputs besides the workflow's: whom it runs for, and where it asks a person. */
export const STEP_RUN_FOR = 'run_for';
export const STEP_ASK_IN = 'ask_in';

/** A parameter of a custom step, as the manifest's `functions` section declares it (slack-platform.md §14.5). */
export interface StepParameter {
  type: string;
  title?: string;
  description?: string;
  hint?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

export interface StepParameters {
  properties: Record<string, StepParameter>;
  required?: string[];
}

export interface StepFunction {
  title: string;
  description: string;
  input_parameters: StepParameters;
  output_parameters: StepParameters;
}

/** What a step is made from: the app as Dify describes it. */
export interface StepSource {
  id: string;
  title: string;
  description: string;
  fields: FormField[];
}

/** A step's callback id: Slack's function ids are lowercase letters, digits and underscores. */
export const stepCallbackId = (appId: string) => `dify_${appId.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`.slice(0, 100);

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A Dify form field as a step input: text → string, number → number, select → string with its choices said, file → a Slack file. */
function inputOf(field: FormField): StepParameter {
  const title = clip(field.label || field.variable, 100);
  switch (field.type) {
    case 'number':
      return { type: 'number', title };
    case 'checkbox':
      return { type: 'boolean', title };
    case 'file':
      return { type: 'slack#/types/file_id', title, description: 'A file, handed to the Dify workflow' };
    case 'file-list':
      // The manifest's parameters take no typed arrays: one file, handed over as a list of one.
      return { type: 'slack#/types/file_id', title, description: 'A file, handed to the Dify workflow (as a list of one)' };
    case 'select':
      return { type: 'string', title, description: clip(`One of: ${(field.options ?? []).join(', ')}`, 200) };
    case 'json_object':
      return { type: 'string', title, hint: 'A JSON object, {"key": "value"}' };
    default:
      return { type: 'string', title, ...(field.maxLength !== undefined ? { maxLength: field.maxLength } : {}) };
  }
}

const OUTPUT_TYPES: Record<StepOutputType, string> = { string: 'string', number: 'number', integer: 'integer', boolean: 'boolean' };

/** One workflow app as a custom step: its form as inputs (plus whom it runs for, where it asks), its outputs as outputs. */
export function stepFunction(app: StepSource, step: { [K in keyof WorkflowStepConfig]?: WorkflowStepConfig[K] | undefined }): StepFunction {
  const properties: Record<string, StepParameter> = {};
  for (const field of app.fields) properties[field.variable] = inputOf(field);
  properties[STEP_RUN_FOR] = {
    type: 'slack#/types/user_id',
    title: 'Run for',
    description: 'The person the workflow runs for (its Dify user; checked against who may use the app)',
    hint: 'Usually the person who used this workflow',
  };
  properties[STEP_ASK_IN] = {
    type: 'slack#/types/channel_id',
    title: 'Ask in',
    description: "Where the bridge asks a person when the Dify workflow waits for one (else a DM to 'Run for')",
  };
  const outputs: Record<string, StepParameter> = {
    [STEP_TEXT_OUTPUT]: { type: 'string', title: 'Text', description: "The workflow's answer as text" },
    [STEP_RUN_OUTPUT]: { type: 'string', title: 'Dify run id', description: 'The Dify workflow run, for its logs' },
  };
  for (const [name, type] of Object.entries(step.outputs ?? {})) outputs[name] = { type: OUTPUT_TYPES[type], title: name };
  const required = app.fields.filter((f) => f.required).map((f) => f.variable);
  return {
    title: clip(step.title ?? app.title, 100),
    description: clip(step.description ?? (app.description || `Runs the Dify workflow "${app.title}"`), 200),
    input_parameters: { properties, ...(required.length ? { required } : {}) },
    output_parameters: { properties: outputs, required: [STEP_TEXT_OUTPUT] },
  };
}

/** Why an app cannot become a step (its form collides with the step's own inputs, or has too many). */
export function stepProblems(app: StepSource): string[] {
  const problems: string[] = [];
  for (const reserved of [STEP_RUN_FOR, STEP_ASK_IN])
    if (app.fields.some((f) => f.variable === reserved)) problems.push(`its input "${reserved}" has the name of the step's own input; rename it in Dify`);
  if (app.fields.length + 2 > 50) problems.push(`it has ${app.fields.length} inputs (a step takes at most 48 besides its own two)`);
  return problems;
}

/**
 * The manifest with its `functions` (custom steps) rebuilt; with steps, what Slack requires
 * of them too: org-ready (org_deploy_enabled), a remote runtime, and the function_executed event.
 */
export function withFunctions(manifest: Record<string, any>, functions: Record<string, StepFunction>): Record<string, any> {
  const { functions: _old, ...rest } = manifest;
  const settings = { ...(manifest.settings ?? {}) };
  const events: string[] = (settings.event_subscriptions?.bot_events ?? []).filter((e: string) => e !== 'function_executed');
  if (Object.keys(functions).length === 0) {
    delete settings.function_runtime;
    return { ...rest, settings: { ...settings, event_subscriptions: { ...settings.event_subscriptions, bot_events: events } } };
  }
  return {
    ...rest,
    settings: {
      ...settings,
      event_subscriptions: { ...settings.event_subscriptions, bot_events: [...events, 'function_executed'] },
      org_deploy_enabled: true,
      function_runtime: 'remote',
    },
    functions,
  };
}
