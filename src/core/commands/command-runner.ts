import { randomUUID } from 'node:crypto';
import type { AnswerSink, CommandPlan, CommandRequest, CommandSurface, FormSubmission, Requester, RunPlan, SlackDirectory } from '../ports.js';
import type { RunHistory } from '../runs/run-history.js';
import type { DifyFile } from '../../dify/client.js';
import { DifyError } from '../../dify/errors.js';
import type { DifyEventStream } from '../../dify/stream.js';
import { emptyAnswer, reduceAnswer, type AnswerState } from '../streaming/answer-state.js';
import { answerFooter, renderAnswer } from '../streaming/answer-view.js';
import type { AppCatalog, AppDescription } from '../apps/app-catalog.js';
import { fillInputs, splitCommand, usageOf } from './command-input.js';
import { freeTextField, isFileField, type FormField } from './input-form.js';
import { difyUserForSlackUser } from '../chat/keys.js';
import { slackContextInputs } from '../apps/context-inputs.js';
import type { WorkspaceFinder } from '../apps/workspace-finder.js';
import { difyFileType } from '../apps/file-policy.js';
import { describeError } from '../log-fields.js';
import { failureText } from '../streaming/failure-text.js';
import { RunTracker } from '../runs/run-tracker.js';
import { renderHeader, runFiles, type RunHeader } from '../streaming/run-view.js';
import { recordRun, retryOnceWhenBusy, runPipeline, type AnswerModel, type RunServices } from '../runs/pipeline.js';
import type { WorkflowState } from '../streaming/workflow-state.js';
import { workflowModel } from '../runs/answer-models.js';
import type { RunFollower } from '../runs/run-follower.js';
import type { AccessPolicy } from '../policy/access-policy.js';

export interface CommandRunnerDeps extends RunServices {
  /** People's recent runs (their App Home lists them). */
  history?: RunHistory;
  /** Who may use which app where, and how often (absent: everyone, always). */
  policy?: AccessPolicy;
  /** Workflow runs: pauses for a person, re-attaching, hand-over at shutdown. */
  follower?: RunFollower;
  directory: SlackDirectory;
  /** Remembers which workspace a run's channel and person are in (for the extension route). */
  teams?: WorkspaceFinder;
  catalog: AppCatalog;
  /** Where its runs are tracked (the bridge's active-runs gauge reads it); a new one when absent. */
  tracker?: RunTracker;
}

/** Runs Dify workflow and completion apps from slash commands and forms. */
export class CommandRunner {
  /** Runs under way; a shutdown past its deadline interrupts them. */
  readonly runs: RunTracker;

  constructor(private readonly deps: CommandRunnerDeps) {
    this.runs = deps.tracker ?? new RunTracker();
  }

  /**
   * Decides what a command does, without doing it, so the Slack surface can acknowledge
   * it the right way within 3 seconds (a form must open on the command's trigger).
   */
  async plan(req: CommandRequest): Promise<CommandPlan> {
    const own = req.command === '/dify' ? undefined : this.deps.catalog.byCommand(req.command);
    const { app: name, rest } = own ? { app: own, rest: req.text.trim() } : splitCommand(req.text);
    if (!name || name === 'help') return { kind: 'reply', markdown: await this.help(req) };
    if (!this.deps.catalog.has(name)) return { kind: 'reply', markdown: `I don't know an app called "${name}".\n\n${await this.help(req)}` };
    // Refused before Dify is asked anything about the app.
    const where = { teamId: req.teamId, channelId: req.channelId, userId: req.userId, appId: name };
    const closed = await this.deps.policy?.decide({ ...where, surface: 'form-open' });
    if (closed) return { kind: 'reply', markdown: closed.markdown };

    let app: AppDescription;
    try {
      app = await this.deps.catalog.describe(name);
    } catch (err) {
      this.deps.logger.warn({ app: name, err: describeError(err) }, 'could not read the app from Dify');
      return { kind: 'reply', markdown: failureText(err, { app: name }) };
    }
    if (app.type === 'chat') {
      return { kind: 'reply', markdown: `**${name}** is a chat app: mention the bot in a channel, or send it a DM, to chat with it.` };
    }
    const filled = fillInputs(app.fields, rest);
    if (filled.errors.length) {
      return { kind: 'reply', markdown: `${filled.errors.map((e) => `• ${e}`).join('\n')}\n\nUsage: \`${usageExample(app)}\`` };
    }
    // Nothing typed, or something required missing: the form asks for it (files only come that way).
    if (filled.missing.length > 0 || (rest.trim() === '' && app.fields.length > 0)) return { kind: 'form', app, prefill: filled.inputs };
    // A run is new work: it counts against the quotas.
    const over = await this.deps.policy?.decide({ ...where, surface: 'command' });
    if (over) return { kind: 'reply', markdown: over.markdown };
    return { kind: 'run', app, inputs: filled.inputs };
  }

  /** Runs a planned command; resolves when the run is over. */
  run(plan: RunPlan, who: Requester, surface: CommandSurface): Promise<void> {
    return this.runs.track(this.execute(plan.app, plan.inputs, who, surface, summarize(plan.app, plan.inputs)));
  }

  /** A submitted form: values already checked against the form; files fetched from Slack. */
  submit(form: FormSubmission, surface: CommandSurface): Promise<void> {
    return this.runs.track(this.submitNow(form, surface));
  }

  private async submitNow({ appId, who, values, files }: FormSubmission, surface: CommandSurface): Promise<void> {
    const refusal = await this.deps.policy?.decide({ teamId: who.teamId, channelId: who.channelId, userId: who.userId, appId, surface: 'form' });
    if (refusal) return surface.reply(refusal.markdown);
    let app: AppDescription;
    try {
      app = await this.deps.catalog.describe(appId);
    } catch (err) {
      return surface.reply(failureText(err, { app: appId }));
    }
    const inputs = { ...values };
    const user = difyUserForSlackUser(who.teamId, who.userId);
    try {
      for (const [variable, list] of Object.entries(files)) {
        const field = app.fields.find((f) => f.variable === variable);
        if (!field || list.length === 0) continue;
        const uploaded: DifyFile[] = [];
        for (const file of list) {
          const { id } = await this.deps.dify.uploadFile(appId, { data: file.data, filename: file.filename, mimeType: file.mimeType, user });
          uploaded.push({ type: difyFileType(file.mimeType), transfer_method: 'local_file', upload_file_id: id });
        }
        inputs[variable] = field.type === 'file' ? uploaded[0] : uploaded;
      }
    } catch (err) {
      this.deps.logger.warn({ app: appId, err: describeError(err) }, 'file upload to Dify failed');
      return surface.reply(failureText(err, { app: appId }));
    }
    await this.execute(app, inputs, who, surface, summarize(app, values));
  }

  private async execute(app: AppDescription, inputs: Record<string, unknown>, who: Requester, surface: CommandSurface, summary: string): Promise<void> {
    const user = difyUserForSlackUser(who.teamId, who.userId);
    // The Slack context inputs the app declares (never shown in forms).
    const runInputs = { ...inputs, ...(await slackContextInputs(app.contextVariables, who, this.deps.directory, this.deps.teams, app.id)) };
    const logger = this.deps.logger.child({ app: app.id, kind: app.type, team: who.teamId, channel: who.channelId, user: who.userId });
    const header: RunHeader = {
      app: app.id,
      userId: who.userId,
      ...(summary ? { summary } : {}),
      ...(surface.followUpHint ? { hint: surface.followUpHint } : {}),
    };
    const started = Date.now();

    // Opened before anything is posted: a refused request is the user's business only (ephemeral).
    let stream: DifyEventStream;
    try {
      stream = await retryOnceWhenBusy(
        () =>
          app.type === 'workflow'
            ? this.deps.dify.app.workflow.invoke(app.id, { inputs: runInputs, user, responseMode: 'streaming' })
            : this.deps.dify.app.completion.invoke(app.id, { inputs: runInputs, user, responseMode: 'streaming' }),
        this.deps.busyRetryMs,
      );
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'Dify refused the run');
      recordRun(logger, this.deps.observer, { kind: app.type, app: app.id, outcome: 'refused', ms: Date.now() - started });
      return surface.reply(failureText(err, { app: app.id }));
    }

    const sink = surface.resultSink();
    if (app.persona) sink.speakAs?.(app.persona);
    const common = {
      kind: app.type,
      appId: app.id,
      sink,
      timing: this.deps.timing,
      logger,
      startedAt: started,
      ...(this.deps.observer ? { observer: this.deps.observer } : {}),
      open: async () => stream,
      stopTask: (taskId: string) => this.deps.dify.stop(app.id, taskId, user),
      interrupt: this.runs.signal,
      ...(this.deps.editBudget ? { budget: this.deps.editBudget(who.teamId) } : {}),
      ...(this.deps.runs ? { stop: { registry: this.deps.runs, runId: randomUUID(), askerId: who.userId } } : {}),
    };
    if (app.type === 'workflow') {
      // A workflow can pause for a person and outlive this process: its record says where it is shown.
      const continuation = this.deps.follower?.continuation<WorkflowState>({
        appId: app.id,
        kind: 'workflow',
        difyUser: user,
        teamId: who.teamId,
        channelId: who.channelId,
        askerId: who.userId,
        header,
        ...(app.persona ? { persona: app.persona } : {}),
      });
      const run = await runPipeline({
        ...common,
        model: workflowModel(header),
        files: { of: runFiles, dify: this.deps.dify },
        // A workflow's outcome is its own status (succeeded, failed, stopped…).
        outcome: (run) => (!run.delivered ? 'undeliverable' : (run.waiting ?? run.cut ?? run.state.finished?.status ?? 'failed')),
        ...(continuation ? { continuation } : {}),
        logFields: (state) => ({ task_id: state.taskId }),
      });
      await this.remember(who, app, sink, run.outcome);
    } else {
      const model: AnswerModel<AnswerState> = {
        initial: emptyAnswer(),
        reduce: reduceAnswer,
        render: (state, final, failure) => {
          const hint = final && surface.followUpHint ? `\n\n_${surface.followUpHint}_` : '';
          return `${renderHeader(header)}\n\n${renderAnswer(state, final, failure ? { failure } : {})}${hint}`;
        },
        hasContent: (state) => state.text.length > 0,
        footer: (state) => answerFooter(state, app.disclaimer ? { disclaimer: app.disclaimer } : {}),
      };
      const feedback = (state: AnswerState) => (state.messageId ? { appId: app.id, messageId: state.messageId, user } : undefined);
      const run = await runPipeline({
        ...common,
        model,
        feedback,
        files: { of: (state) => state.files, dify: this.deps.dify },
        logFields: (state) => ({ task_id: state.taskId }),
      });
      await this.remember(who, app, sink, run.outcome);
    }
  }

  /** The run in its starter's history (a result posted through a response_url has no message to link to). */
  private async remember(who: Requester, app: AppDescription, sink: AnswerSink, outcome: string): Promise<void> {
    const ts = sink.messages?.()[0];
    if (!ts || !this.deps.history) return;
    await this.deps.history
      .record(who.teamId, who.userId, { app: app.id, kind: app.type, channelId: who.channelId, ts, at: Date.now(), outcome })
      .catch(() => undefined);
  }

  /** The apps this person may use here, each with how to run it. */
  private async help(req: CommandRequest): Promise<string> {
    const all = this.deps.catalog.names;
    if (all.length === 0) return 'No Dify apps are configured.';
    const names = this.deps.policy ? await this.deps.policy.usable(all, { teamId: req.teamId, channelId: req.channelId, userId: req.userId }) : all;
    if (names.length === 0) return 'None of the Dify apps here is open to you in this channel; ask the operator of this bot for access.';
    const lines = await Promise.all(
      names.map(async (name) => {
        try {
          const app = await this.deps.catalog.describe(name);
          const about = app.description ? ` — ${app.description}` : app.title !== name ? ` — ${app.title}` : '';
          if (app.type === 'chat') return `• **${name}** (chat)${about}\n  Mention the bot in a channel or DM it to chat.`;
          return `• **${name}** (${app.type})${about}\n  ${usageOf(app.fields)}\n  \`${usageExample(app)}\``;
        } catch (err) {
          return `• **${name}** — ⚠️ not reachable in Dify right now (${err instanceof DifyError ? err.code : 'error'})`;
        }
      }),
    );
    return `**Dify apps**\n\n${lines.join('\n')}\n\nRun one with \`/dify <app> <text> key=value\`, or \`/dify <app>\` alone for a form.`;
  }
}

/** `/dify summarize <Text> lang=fr` — free text where the app takes it, the other required inputs as key=value. */
export function usageExample(app: AppDescription): string {
  const command = app.command ?? `/dify ${app.id}`;
  const free = freeTextField(app.fields);
  const parts = [command];
  if (free) parts.push(`<${free.label}>`);
  const example = (f: FormField) => `${f.variable}=${f.options?.[0] ?? (f.type === 'number' ? '3' : f.type === 'checkbox' ? 'true' : `"…"`)}`;
  for (const f of app.fields) if (f !== free && f.required && !isFileField(f)) parts.push(example(f));
  const optional = app.fields.find((f) => f !== free && !f.required && !isFileField(f));
  if (optional) parts.push(example(optional));
  return parts.join(' ');
}

/** "the text · lang=de · count=3": the free text first, then the other simple values in form order. */
function summarize(app: AppDescription, inputs: Record<string, unknown>): string {
  const free = freeTextField(app.fields);
  const parts: string[] = [];
  if (free && typeof inputs[free.variable] === 'string') parts.push(inputs[free.variable] as string);
  for (const f of app.fields) {
    const v = inputs[f.variable];
    if (f === free || !(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) continue;
    parts.push(`${f.variable}=${String(v)}`);
  }
  return parts.join(' · ');
}
