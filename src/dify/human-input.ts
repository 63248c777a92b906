import { z } from 'zod';

/**
 * Dify's Human Input node as the Service API shows it (Dify 1.14+): the form a paused
 * workflow or chatflow waits on, and the run record used to confirm how a run ended.
 * Shapes per Dify's OpenAPI spec and source; lenient where Dify builds differ.
 */

/** One input of a form: paragraph, select, file, file-list (and the older text_input). */
export const formInputSchema = z.looseObject({
  type: z.string(),
  output_variable_name: z.string(),
  default: z.unknown().optional(),
  placeholder: z.unknown().optional(),
  option_source: z.looseObject({ type: z.string().optional(), selector: z.unknown().optional(), value: z.unknown().optional() }).nullish(),
  allowed_file_types: z.array(z.string()).nullish(),
  allowed_file_extensions: z.array(z.string()).nullish(),
  number_limits: z.number().nullish(),
});
export type FormInput = z.infer<typeof formInputSchema>;

/** A button of the form: `id` is what a submit names as its `action`. */
export const userActionSchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  button_style: z.string().nullish(),
});
export type UserAction = z.infer<typeof userActionSchema>;

/** GET /v1/form/human_input/{form_token}. */
export const humanInputFormSchema = z.looseObject({
  form_content: z.string(),
  inputs: z.array(formInputSchema).default([]),
  resolved_default_values: z.record(z.string(), z.string()).default({}),
  user_actions: z.array(userActionSchema).default([]),
  expiration_time: z.number().nullish(),
});
export type HumanInputForm = z.infer<typeof humanInputFormSchema>;

/**
 * `human_input_required` data. Every field may be missing: some builds sent empty data
 * (langgenius/dify#35504); `form_token` is null for a form delivered by email only.
 */
export const humanInputRequiredSchema = z.looseObject({
  form_id: z.string().nullish(),
  form_token: z.string().nullish(),
  node_id: z.string().nullish(),
  node_title: z.string().nullish(),
  form_content: z.string().nullish(),
  inputs: z.array(formInputSchema).nullish(),
  actions: z.array(userActionSchema).nullish(),
  resolved_default_values: z.record(z.string(), z.string()).nullish(),
  expiration_time: z.number().nullish(),
});
export type HumanInputRequired = z.infer<typeof humanInputRequiredSchema>;

/** GET /v1/workflows/run/{workflow_run_id}: how a run stands (the way to confirm a re-attached run's end). */
export const workflowRunSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  outputs: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  error: z.string().nullish(),
  total_steps: z.number().nullish(),
  total_tokens: z.number().nullish(),
  created_at: z.number().nullish(),
  finished_at: z.number().nullish(),
  elapsed_time: z.number().nullish(),
});
export type WorkflowRun = z.infer<typeof workflowRunSchema>;

/** A submitted form: values by output_variable_name, the chosen action, the run's Dify user. */
export interface HumanInputSubmission {
  inputs: Record<string, unknown>;
  action: string;
  user: string;
}
