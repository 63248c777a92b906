import { randomUUID } from 'node:crypto';
import type { StepOutputType } from '../../config/types.js';
import type { DifyFile } from '../../dify/client.js';
import type { DifyEventStream } from '../../dify/stream.js';
import type { Store } from '../../store/store.js';
import type { AppCatalog, AppDescription } from '../apps/app-catalog.js';
import { slackContextInputs } from '../apps/context-inputs.js';
import { difyFileType } from '../apps/file-policy.js';
import type { WorkspaceFinder } from '../apps/workspace-finder.js';
import { difyUserForSlackUser } from '../chat/keys.js';
import { describeError } from '../log-fields.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import type { RunSurface, SlackDirectory, StepCompleter, StepRequest } from '../ports.js';
import { workflowModel } from '../runs/answer-models.js';
import { recordRun, retryOnceWhenBusy, runPipeline, type RunServices } from '../runs/pipeline.js';
import type { RunFollower } from '../runs/run-follower.js';
import { RunTracker } from '../runs/run-tracker.js';
import { failureText } from '../streaming/failure-text.js';
import type { RunHeader } from '../streaming/run-view.js';
import type { WorkflowState } from '../streaming/workflow-state.js';
import { NOWHERE_TO_ASK, quietUntilAsked } from './quiet-sink.js';
import { plainLine, stepInputs } from './step-io.js';

export interface StepRunnerDeps extends RunServices {
  catalog: AppCatalog;
  follower: RunFollower;
  surface: RunSurface;
  steps: StepCompleter;
  store: Pick<Store, 'claim'>;
  directory: SlackDirectory;
  /** The outputs each step app hands on, typed (BRIDGE_CONFIG `workflowStep.outputs`). */
  outputsOf(appId: string): Record<string, StepOutputType>;
  /**
   * Whether a step of this app may run: Slack's function_executed names no one, so the "Run for"
   * person is whoever the workflow's author typed. An app with an access rule runs as a step only
   * when the operator trusts that (BRIDGE_CONFIG `workflowStep.trustRunFor`).
   */
  stepAllowed(appId: string): boolean;
  policy?: AccessPolicy;
  teams?: WorkspaceFinder;
  tracker?: RunTracker;
}

/** A delivery of function_executed is claimed for as long as Slack keeps an execution (a day is past any retry). */
const STEP_CLAIM_MS = 24 * 3_600_000;
const MAX_FILE_BYTES = 15 * 1024 * 1024;

/**
 * Runs Dify workflows as Workflow Builder steps: the values the step was given checked and
 * handed to the workflow, the run through the same pipeline as every other (re-attached when
 * its stream breaks, handed over at shutdown, paused for a person in the channel the step
 * names), and its end reported back to Slack with the workflow's outputs, or one line why not.
 */
export class StepRunner {
  readonly runs: RunTracker;
  // Unique per process (replicas in containers may all be pid 1).
  private readonly owner = `${process.pid}-${randomUUID()}`;

  constructor(private readonly deps: StepRunnerDeps) {
    this.runs = deps.tracker ?? new RunTracker();
  }

  start(req: StepRequest): Promise<void> {
    return this.runs.track(
      this.execute(req).catch(async (err: unknown) => {
        // Ending it twice is harmless; leaving it "In progress" for ever is not.
        this.deps.logger.error({ err: describeError(err), step: req.executionId }, 'a Workflow Builder step failed in the bridge');
        await this.deps.steps.finish(req.completion, req.executionId, { error: plainLine(failureText(err, { app: req.appId })) });
      }),
    );
  }

  private async execute(req: StepRequest): Promise<void> {
    const { deps } = this;
    const logger = deps.logger.child({ app: req.appId, kind: 'workflow', team: req.teamId, step: req.executionId });
    // A retried delivery (or another replica's) of the same execution runs nothing twice.
    if (!(await deps.store.claim(`step:${req.executionId}`, this.owner, STEP_CLAIM_MS))) {
      logger.debug('step execution already claimed (a retry or a duplicate delivery)');
      return;
    }
    const fail = async (error: string) => deps.steps.finish(req.completion, req.executionId, { error: plainLine(error).slice(0, 500) });
    if (!deps.stepAllowed(req.appId)) {
      logger.warn('a Workflow Builder step of an app with an access rule was refused: workflowStep.trustRunFor is not set');
      return fail(
        `${req.appId} has an access rule, and a Workflow Builder step cannot prove who it runs for (any workflow author can name anyone). The bot's operator can allow it with workflowStep.trustRunFor.`,
      );
    }
    const userId = req.runFor ?? '';
    const refusal = await deps.policy?.decide({ teamId: req.teamId, channelId: req.askIn ?? '', userId, appId: req.appId, surface: 'workflow-step' });
    if (refusal) return fail(refusal.markdown.replace(/`/g, ''));

    let app: AppDescription;
    try {
      app = await deps.catalog.describe(req.appId);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not read the app from Dify');
      return fail(failureText(err, { app: req.appId }));
    }
    const checked = stepInputs(app.fields, req.inputs);
    if (checked.errors.length) return fail(`The step's inputs do not suit the Dify workflow: ${checked.errors.join('; ')}.`);
    const difyUser = req.runFor ? difyUserForSlackUser(req.teamId, req.runFor) : `slack:${req.teamId}:workflow-builder`;
    const inputs: Record<string, unknown> = { ...checked.inputs };
    try {
      for (const [variable, ids] of Object.entries(checked.files)) {
        const uploaded: DifyFile[] = [];
        for (const id of ids) {
          const file = await req.fetchFile(id);
          if (file.data.byteLength > MAX_FILE_BYTES) throw new Error(`${file.filename} is larger than 15 MB`);
          const { id: uploadId } = await deps.dify.uploadFile(app.id, { data: file.data, filename: file.filename, mimeType: file.mimeType, user: difyUser });
          uploaded.push({ type: difyFileType(file.mimeType), transfer_method: 'local_file', upload_file_id: uploadId });
        }
        inputs[variable] = app.fields.find((f) => f.variable === variable)?.type === 'file' ? uploaded[0] : uploaded;
      }
    } catch (err) {
      logger.warn({ err: describeError(err) }, "could not hand the step's files to Dify");
      return fail(err instanceof Error && !('kind' in err) ? `Could not read a file the step was given: ${err.message}` : failureText(err, { app: app.id }));
    }
    const who = { teamId: req.teamId, userId, channelId: req.askIn ?? '' };
    Object.assign(inputs, await slackContextInputs(app.contextVariables, who, deps.directory, deps.teams, app.id));

    const started = Date.now();
    let stream: DifyEventStream;
    try {
      stream = await retryOnceWhenBusy(() => deps.dify.app.workflow.invoke(app.id, { inputs, user: difyUser, responseMode: 'streaming' }), deps.busyRetryMs);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'Dify refused the run');
      recordRun(logger, deps.observer, { kind: 'workflow', app: app.id, outcome: 'refused', ms: Date.now() - started });
      return fail(failureText(err, { app: app.id }));
    }

    // A pause is asked where the step says, else in a DM with the person it runs for.
    const channelId = req.askIn ?? (req.runFor ? await deps.surface.directChannel?.(req.teamId, req.runFor) : undefined) ?? '';
    const header: RunHeader = { app: app.id, userId, summary: 'a Workflow Builder step' };
    const step = { executionId: req.executionId, completion: req.completion, outputs: deps.outputsOf(app.id) };
    const place = {
      appId: app.id,
      kind: 'workflow' as const,
      difyUser,
      teamId: req.teamId,
      channelId,
      askerId: userId,
      header,
      step,
      ...(app.persona ? { persona: app.persona } : {}),
    };
    const shown = channelId
      ? deps.surface.continueAnswer({ teamId: req.teamId, channelId, messages: [], ...(app.persona ? { persona: app.persona } : {}) }, () => undefined)
      : undefined;
    const run = await runPipeline<WorkflowState>({
      kind: 'workflow',
      appId: app.id,
      model: workflowModel(header),
      sink: quietUntilAsked(shown, NOWHERE_TO_ASK),
      timing: deps.timing,
      logger,
      startedAt: started,
      ...(deps.observer ? { observer: deps.observer } : {}),
      open: async () => stream,
      stopTask: (taskId) => deps.dify.stop(app.id, taskId, difyUser),
      interrupt: this.runs.signal,
      // Output files are not fetched: a step shows nothing, it hands its outputs on.
      outcome: (r) => (!r.delivered ? 'undeliverable' : (r.waiting ?? r.cut ?? r.state.finished?.status ?? 'failed')),
      continuation: deps.follower.continuation<WorkflowState>(place),
      logFields: (state) => ({ task_id: state.taskId }),
    });
    // Paused with nobody to ask (or Slack refused the form's post): the step cannot go on.
    if (run.waiting === 'paused' && !run.delivered) {
      if (run.state.hi.runId) await deps.follower.abandon(run.state.hi.runId);
      await fail(
        channelId ? `The Dify workflow is waiting for a person, but its form could not be posted in Slack (is the bot in that channel?).` : NOWHERE_TO_ASK,
      );
    }
  }
}
