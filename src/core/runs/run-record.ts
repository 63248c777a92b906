import { z } from 'zod';
import type { Store } from '../../store/store.js';
import type { HumanInputTrack } from '../streaming/human-input-state.js';
import type { RunHeader } from '../streaming/run-view.js';
import type { Persona, Sealer } from '../ports.js';
import type { StepOutputType } from '../../config/types.js';

/** How an answer is shown, kept with its run so a later process shows it the same way. */
export interface RunView {
  showScores?: boolean;
  showReasoning?: boolean;
  disclaimer?: string;
  /** What the person's voice clip said. */
  heard?: string;
}

/** A Workflow Builder step's run: Slack's execution, how to end it, and the typed outputs it hands on. */
export interface RunStep {
  executionId: string;
  /** StepRequest.completion (sealed). */
  completion: string;
  outputs: Record<string, StepOutputType>;
}

/**
 * A workflow-backed run (workflow app, chatflow) that may outlive its request: saved as soon as
 * Dify names its workflow run, updated when it pauses for a person, deleted when its answer is
 * final. Any process reads it to answer a form press, or to re-attach after a restart or a dead
 * replica. A durable store record (a pause lasts as long as the node's timeout: hours, days).
 */
const recordSchema = z.looseObject({
  v: z.literal(1),
  runId: z.string().min(1),
  appId: z.string().min(1),
  kind: z.enum(['chat', 'workflow']),
  /** The Dify user that started the run: the events endpoint answers no other, and form files are scoped to it. */
  difyUser: z.string().min(1),
  teamId: z.string(),
  channelId: z.string(),
  threadTs: z.string().optional(),
  messages: z.array(z.string()),
  askerId: z.string(),
  /** Chat: the thread's store key (its Dify conversation). */
  threadKey: z.string().optional(),
  /** Workflow: the header of its message. */
  header: z.looseObject({ app: z.string(), userId: z.string(), summary: z.string().optional(), hint: z.string().optional() }).optional(),
  notice: z.string().optional(),
  suggestFollowUps: z.boolean().optional(),
  /** The answer was streamed natively in an agent thread (its session status follows the run). */
  session: z.boolean().optional(),
  /** The app's name and icon on the answer's posts. */
  persona: z.looseObject({ name: z.string(), iconUrl: z.string().optional(), iconEmoji: z.string().optional() }).optional(),
  /** How the answer is shown (the app's settings when it started). */
  view: z
    .looseObject({ showScores: z.boolean().optional(), showReasoning: z.boolean().optional(), disclaimer: z.string().optional(), heard: z.string().optional() })
    .optional(),
  /** A Workflow Builder step's run: the execution its end completes, and the outputs it hands on. */
  step: z
    .looseObject({
      executionId: z.string().min(1),
      completion: z.string().min(1),
      outputs: z.record(z.string(), z.enum(['string', 'number', 'integer', 'boolean'])),
    })
    .optional(),
  /** live: a process follows its stream; paused: it waits for a person. */
  status: z.enum(['live', 'paused']),
  /** The answer's state when saved (JSON of the run's model state). */
  state: z.looseObject({ hi: z.looseObject({ forms: z.array(z.unknown()), notes: z.array(z.unknown()) }) }),
  savedAt: z.number(),
});

export interface RunRecord {
  v: 1;
  runId: string;
  appId: string;
  kind: 'chat' | 'workflow';
  difyUser: string;
  teamId: string;
  channelId: string;
  threadTs?: string;
  messages: string[];
  askerId: string;
  threadKey?: string;
  header?: RunHeader;
  notice?: string;
  suggestFollowUps?: boolean;
  session?: boolean;
  persona?: Persona;
  view?: RunView;
  step?: RunStep;
  status: 'live' | 'paused';
  /** The run's model state (AnswerState or WorkflowState), JSON as saved. */
  state: { hi: HumanInputTrack };
  savedAt: number;
}

const PREFIX = 'run:';
export const runRecordKey = (runId: string) => `${PREFIX}${runId}`;
/** Held by the one process that follows a run's events (renewed while it does). */
export const followClaimKey = (runId: string) => `follow:${runId}`;

export class RunRecords {
  constructor(
    private readonly store: Pick<Store, 'getRecord' | 'setRecord' | 'deleteRecord' | 'listRecords'>,
    private readonly onBadRecord: (key: string, problem: string) => void,
    /** Seals each form's token (a token answers its form in Dify as anyone who holds it). */
    private readonly sealer?: Sealer,
  ) {}

  async get(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.store.getRecord(runRecordKey(runId));
    return raw === undefined ? undefined : this.parse(runRecordKey(runId), raw);
  }

  async save(record: RunRecord): Promise<void> {
    await this.store.setRecord(runRecordKey(record.runId), JSON.stringify(this.sealer ? this.withTokens(record, 'seal') : record));
  }

  async delete(runId: string): Promise<void> {
    await this.store.deleteRecord(runRecordKey(runId));
  }

  async all(): Promise<RunRecord[]> {
    const rows = await this.store.listRecords(PREFIX);
    return rows.flatMap(({ key, value }) => this.parse(key, value) ?? []);
  }

  /**
   * The record with its forms' tokens sealed (`sealedToken`), or opened back. A token that does
   * not open (the key changed) is dropped: that form can then be answered in Dify only.
   */
  private withTokens(record: RunRecord, way: 'seal' | 'open'): RunRecord {
    const sealer = this.sealer!;
    const context = `form-token:${record.runId}`;
    const forms = record.state.hi.forms.map((f) => {
      const form = f as typeof f & { sealedToken?: string };
      if (way === 'seal') {
        if (form.token === undefined) return form;
        const { token, ...rest } = form;
        return { ...rest, sealedToken: sealer.seal(token, context) };
      }
      if (form.sealedToken === undefined) return form;
      const { sealedToken, ...rest } = form;
      try {
        return { ...rest, token: sealer.open(sealedToken, context).plaintext };
      } catch {
        this.onBadRecord(runRecordKey(record.runId), 'a Human Input form token sealed under another key');
        return rest;
      }
    });
    return { ...record, state: { ...record.state, hi: { ...record.state.hi, forms } } };
  }

  private parse(key: string, raw: string): RunRecord | undefined {
    try {
      const parsed = recordSchema.safeParse(JSON.parse(raw));
      // Checked for the fields every reader relies on; the state is the bridge's own JSON.
      if (parsed.success) {
        const record = parsed.data as unknown as RunRecord;
        return this.sealer ? this.withTokens(record, 'open') : record;
      }
      this.onBadRecord(key, parsed.error.issues[0]?.message ?? 'invalid');
    } catch {
      this.onBadRecord(key, 'not JSON');
    }
    return undefined;
  }
}
