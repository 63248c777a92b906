import { z } from 'zod';
import { humanInputRequiredSchema } from './human-input.js';
import { DifyError } from './errors.js';

/**
 * Schemas for every event of Dify's streaming catalogue. Only the fields a client acts on are
 * checked; everything else passes through untouched (objects are loose), because Dify adds
 * fields between versions and a new field must never break a running answer.
 */

const str = z.string();
const optStr = z.string().nullish();
const optNum = z.number().nullish();
const anyRecord = z.record(z.string(), z.unknown());

const envelope = {
  task_id: optStr,
  conversation_id: optStr,
  message_id: optStr,
  workflow_run_id: optStr,
  created_at: optNum,
};

const ev = <N extends string, S extends z.ZodRawShape>(name: N, shape: S) => z.looseObject({ event: z.literal(name), ...envelope, ...shape });

const retrieverResource = z.looseObject({
  position: optNum,
  dataset_id: optStr,
  dataset_name: optStr,
  document_id: optStr,
  document_name: optStr,
  score: optNum,
  content: optStr,
  /** Not in Dify's documented fields; some sources (website crawls, external knowledge) carry one. */
  url: optStr,
  doc_metadata: z.record(z.string(), z.unknown()).nullish(),
});

const usage = z.looseObject({
  prompt_tokens: optNum,
  completion_tokens: optNum,
  total_tokens: optNum,
  total_price: z.union([z.string(), z.number()]).nullish(),
  currency: optStr,
  latency: optNum,
});

const nodeData = z.looseObject({
  id: str,
  node_id: str,
  node_type: str,
  title: optStr,
  index: optNum,
  iteration_id: optStr,
  loop_id: optStr,
});

const loopData = z.looseObject({ id: str, node_id: str, node_type: optStr, title: optStr, index: optNum });

const fileOut = z.looseObject({ url: optStr, filename: optStr, mime_type: optStr, type: optStr });

export const eventSchemas = {
  message: ev('message', { id: optStr, answer: str, from_variable_selector: z.unknown() }),
  agent_message: ev('agent_message', { id: optStr, answer: str }),
  agent_thought: ev('agent_thought', {
    id: str,
    position: optNum,
    thought: optStr,
    observation: optStr,
    tool: optStr,
    tool_input: optStr,
    message_files: z.array(z.unknown()).nullish(),
  }),
  message_file: ev('message_file', { id: str, type: optStr, belongs_to: optStr, url: str }),
  message_end: ev('message_end', {
    id: optStr,
    metadata: z.looseObject({ retriever_resources: z.array(retrieverResource).nullish(), usage: usage.nullish() }).nullish(),
    files: z.array(z.unknown()).nullish(),
  }),
  message_replace: ev('message_replace', { answer: str, reason: optStr }),
  tts_message: ev('tts_message', { audio: optStr }),
  tts_message_end: ev('tts_message_end', { audio: optStr }),
  error: ev('error', { code: z.string().nullish(), status: optNum, message: z.string().nullish() }),
  workflow_started: ev('workflow_started', {
    data: z.looseObject({ id: str, workflow_id: optStr, inputs: anyRecord.nullish() }),
  }),
  node_started: ev('node_started', { data: nodeData }),
  node_finished: ev('node_finished', {
    data: nodeData.extend({
      status: str,
      error: optStr,
      outputs: anyRecord.nullish(),
      elapsed_time: optNum,
      execution_metadata: anyRecord.nullish(),
    }),
  }),
  node_retry: ev('node_retry', { data: nodeData.extend({ retry_index: optNum, error: optStr }) }),
  iteration_started: ev('iteration_started', { data: loopData }),
  iteration_next: ev('iteration_next', { data: loopData }),
  iteration_completed: ev('iteration_completed', { data: loopData }),
  loop_started: ev('loop_started', { data: loopData }),
  loop_next: ev('loop_next', { data: loopData }),
  loop_completed: ev('loop_completed', { data: loopData }),
  text_chunk: ev('text_chunk', { data: z.looseObject({ text: str }) }),
  text_replace: ev('text_replace', { data: z.looseObject({ text: str }) }),
  reasoning_chunk: ev('reasoning_chunk', { data: anyRecord }),
  agent_log: ev('agent_log', { data: anyRecord }),
  human_input_required: ev('human_input_required', { data: humanInputRequiredSchema.catch({}) }),
  human_input_form_filled: ev('human_input_form_filled', {
    data: z.looseObject({
      node_id: optStr,
      node_title: optStr,
      rendered_content: optStr,
      action_id: optStr,
      action_text: optStr,
      submitted_data: anyRecord.nullish(),
    }),
  }),
  human_input_form_timeout: ev('human_input_form_timeout', { data: z.looseObject({ node_id: optStr, node_title: optStr, expiration_time: optNum }) }),
  workflow_paused: ev('workflow_paused', {
    data: z.looseObject({
      workflow_run_id: optStr,
      paused_nodes: z.array(z.string()).nullish(),
      outputs: anyRecord.nullish(),
      reasons: z.array(anyRecord).nullish(),
    }),
  }),
  workflow_finished: ev('workflow_finished', {
    data: z.looseObject({
      id: str,
      status: str,
      outputs: anyRecord.nullish(),
      error: optStr,
      elapsed_time: optNum,
      total_tokens: optNum,
      total_steps: optNum,
      files: z.array(fileOut).nullish(),
    }),
  }),
} as const;

type Schemas = typeof eventSchemas;
export type KnownEventName = keyof Schemas;
export type DifyEventOf<N extends KnownEventName> = z.infer<Schemas[N]>;
export type KnownDifyEvent = { [N in KnownEventName]: DifyEventOf<N> }[KnownEventName];
/** An event this client does not know yet: passed on, never a crash. */
export interface UnknownDifyEvent {
  event: 'unknown';
  name: string;
  raw: Record<string, unknown>;
}
export type DifyEvent = KnownDifyEvent | UnknownDifyEvent;

/** Events after which Dify closes the stream successfully. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['message_end', 'workflow_finished', 'workflow_paused']);

function isKnown(name: string): name is KnownEventName {
  return Object.hasOwn(eventSchemas, name);
}

const optional = (v: unknown, type: 'string' | 'number') => v === undefined || v === null || typeof v === type;
const envelopeOk = (raw: Record<string, unknown>) =>
  optional(raw['task_id'], 'string') &&
  optional(raw['conversation_id'], 'string') &&
  optional(raw['message_id'], 'string') &&
  optional(raw['workflow_run_id'], 'string') &&
  optional(raw['created_at'], 'number');

/**
 * The events that carry each token (most of any stream), checked by hand exactly as their
 * schemas check them: this runs once per token, where zod's generic parse showed in the CPU
 * profile. Anything this does not accept goes to the schema, which names the problem.
 */
function isTokenEvent(name: string, raw: Record<string, unknown>): boolean {
  if (name === 'message' || name === 'agent_message') return typeof raw['answer'] === 'string' && optional(raw['id'], 'string') && envelopeOk(raw);
  if (name === 'text_chunk') {
    const data = raw['data'];
    return (
      typeof data === 'object' && data !== null && !Array.isArray(data) && typeof (data as Record<string, unknown>)['text'] === 'string' && envelopeOk(raw)
    );
  }
  return false;
}

export function parseDifyEvent(json: unknown): DifyEvent {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new DifyError('protocol', 'invalid_event', 'Dify sent a stream event that is not a JSON object');
  }
  const raw = json as Record<string, unknown>;
  const name = raw['event'];
  if (typeof name !== 'string') {
    throw new DifyError('protocol', 'invalid_event', 'Dify sent a stream event without an "event" name');
  }
  if (!isKnown(name)) return { event: 'unknown', name, raw };
  if (isTokenEvent(name, raw)) return raw as DifyEvent;
  const parsed = eventSchemas[name].safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.join('.') : '';
    throw new DifyError('protocol', 'invalid_event', `Dify sent a malformed "${name}" event (${where}: ${first?.message ?? 'invalid'})`);
  }
  return parsed.data;
}
