import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AnyChunk } from '@slack/types';
import type { AnswerControls, AnswerFooter, AnswerSink, LiveTask, LiveView, OutgoingFile, Persona, ReplyTarget } from '../core/ports.js';
import { identityArgs, slackErrorCode, type SlackAnswerWriter } from './answer-writer.js';
import type { RunRegistry } from '../core/runs/run-registry.js';

/** Errors meaning "no native streaming here": the workspace, channel type or app cannot. */
const UNSUPPORTED = new Set([
  'channel_type_not_supported',
  'missing_scope',
  'not_allowed',
  'not_allowed_token_type',
  'not_agent_app',
  'feature_not_enabled',
  'unknown_method',
  'method_not_supported_for_channel_type',
  'missing_recipient_team_id',
  'missing_recipient_user_id',
  'invalid_arguments',
]);
/** One append carries at most this much (Slack's markdown_text limit is 12,000). */
const APPEND_LIMIT = 10_000;
/** After a workspace-wide refusal, native streaming is not tried there again for this long. */
const LATCH_MS = 10 * 60_000;
/** The reasoning card's and the sources card's ids (Dify's task ids are UUIDs). */
const REASONING_TASK = 'dify_reasoning';
const SOURCES_TASK = 'dify_sources';
/** A card's title and text stay short (Slack's limits for them are not documented). */
const TITLE_LIMIT = 100;
const REASONING_SHOWN = 1_000;

/** A run's step as a task card: the tool's input as details, the first lines of its observation as output. */
function taskChunk(t: LiveTask): AnyChunk {
  return {
    type: 'task_update',
    id: t.id,
    title: t.title.slice(0, TITLE_LIMIT),
    status: t.status,
    ...(t.details ? { details: t.details } : {}),
    ...(t.output ? { output: t.output } : {}),
  };
}

/** The model's reasoning as a "Thinking" card: its last part while it thinks, its start once done. */
function reasoningChunk(r: { text: string; done: boolean }): AnyChunk {
  const text = r.text.trim();
  const shown = text.length <= REASONING_SHOWN ? text : r.done ? `${text.slice(0, REASONING_SHOWN - 1)}…` : `…${text.slice(-(REASONING_SHOWN - 1))}`;
  return {
    type: 'task_update',
    id: REASONING_TASK,
    title: 'Thinking',
    status: r.done ? 'complete' : 'in_progress',
    ...(r.done && shown ? { output: shown } : {}),
  };
}

/** Sources with links as a card's URL sources (the final edit lists them all under the answer too). */
function sourcesChunk(footer: AnswerFooter | undefined): AnyChunk | undefined {
  const linked = (footer?.sources ?? []).filter((s) => s.url !== undefined && /^https?:\/\//.test(s.url)).slice(0, 10);
  if (linked.length === 0) return undefined;
  return {
    type: 'task_update',
    id: SOURCES_TASK,
    title: 'Sources',
    status: 'complete',
    sources: linked.map((s) => ({ type: 'url', url: s.url!, text: s.title.slice(0, TITLE_LIMIT) })),
  };
}

/** "Working: 1 of 2 steps done" while a step runs, "2 steps done" once none does. */
export function planTitle(tasks: LiveTask[]): string {
  const done = tasks.filter((t) => t.status === 'complete' || t.status === 'error').length;
  const steps = (n: number) => `${n} ${n === 1 ? 'step' : 'steps'}`;
  return done < tasks.length ? `Working: ${done} of ${steps(tasks.length)} done` : `${steps(done)} done`;
}

/** Workspaces where native streaming was refused recently (shared by all answers of a process). */
export class NativeLatch {
  private readonly until = new Map<string, number>();
  allowed(teamId: string): boolean {
    return (this.until.get(teamId) ?? 0) <= Date.now();
  }
  refuse(teamId: string): void {
    this.until.set(teamId, Date.now() + LATCH_MS);
  }
}

/**
 * Streams an answer with Slack's native streaming (chat.startStream / appendStream /
 * stopStream) into a thread, the text appended as Dify produces it and the status shown with
 * assistant.threads.setStatus. Whenever that cannot go on — not supported here, the stream
 * expired (~5 min), the answer was replaced (message_replace) — the answer carries on in the
 * edit writer, on the same message, so no text is lost or repeated. The final text is always
 * set exactly (with its buttons) by an edit after the stream stops.
 */
export class NativeStreamWriter implements AnswerSink {
  private ts: string | undefined;
  private sent = '';
  private status: string | undefined;
  private mode: 'native' | 'edit' = 'native';
  /** Task states already sent, by task id. */
  private readonly tasksSent = new Map<string, string>();
  private planSent?: string;
  private stopControl?: { runId: string; askerId: string };
  private footer?: AnswerFooter;
  private reasoning?: string;
  private persona?: Persona;
  /** The run ends this stream waiting for a person (a Human Input form): the session is suspended, not done. */
  private waiting = false;

  constructor(
    private readonly client: WebClient,
    private readonly target: Required<ReplyTarget>,
    private readonly recipient: { teamId: string; userId: string },
    /** Takes over the message when streaming cannot go on. */
    private readonly edit: SlackAnswerWriter,
    private readonly latch: NativeLatch,
    private readonly logger: Logger,
    /** Slack's own stop of a stream (stopped_by_user) stops the run like the Stop button. */
    private readonly runs?: RunRegistry,
  ) {
    if (!latch.allowed(recipient.teamId)) this.mode = 'edit';
  }

  speakAs(persona: Persona): void {
    this.persona = persona;
    this.edit.speakAs(persona);
  }

  setControls(controls: AnswerControls): void {
    if (controls.stop) this.stopControl = controls.stop;
    if (controls.footer) this.footer = controls.footer;
    this.waiting = controls.waiting === true;
    this.edit.setControls(controls);
  }

  attachFiles(files: OutgoingFile[]): Promise<void> {
    return this.edit.attachFiles(files);
  }

  messages(): string[] {
    return this.mode === 'native' && this.ts ? [this.ts] : this.edit.messageTs;
  }

  async show(markdown: string, final: boolean, live?: LiveView): Promise<void> {
    if (this.mode === 'native' && !final && live) {
      try {
        return await this.stream(live);
      } catch (err) {
        if (!(err instanceof WebAPIPlatformError)) throw err;
        const code = slackErrorCode(err) ?? 'error';
        if (code === 'stopped_by_user') {
          // Slack's stop button (agent_session_stopped may arrive later, or on another replica).
          if (this.stopControl && this.runs) void this.runs.requestStop(this.stopControl.runId, this.stopControl.askerId, this.stopControl.askerId);
          // Slack leaves the session "processing" until the app ends it.
          await this.endSession();
        }
        this.fallBack(code);
      }
    }
    if (this.mode === 'native' && final && this.ts) {
      // The stream ends; the exact final text and its buttons arrive by an edit.
      await this.stop();
    }
    return this.edit.show(markdown, final);
  }

  private async stream(live: LiveView): Promise<void> {
    const { channelId: channel, threadTs } = this.target;
    if (!this.ts) {
      // Started on the first render, text or not: where streaming is refused, the edit writer
      // must show the placeholder or status at once.
      const first = live.text.slice(0, APPEND_LIMIT);
      const res = await this.client.chat.startStream({
        channel,
        thread_ts: threadTs,
        ...(first ? { markdown_text: first } : {}),
        // Required in channels; harmless in DMs.
        recipient_team_id: this.recipient.teamId,
        recipient_user_id: this.recipient.userId,
        // Only the start takes an identity; the stream keeps it.
        ...identityArgs(this.persona),
      });
      if (!res.ts) throw new Error('chat.startStream returned no ts');
      this.ts = res.ts;
      this.sent = first;
    }
    if (!live.text.startsWith(this.sent)) {
      // Replaced (output moderation): appending cannot express it.
      this.toEdit('the answer was replaced');
      return;
    }
    // Tool calls and workflow nodes show as task cards (only the ones that changed), under a
    // plan title that counts them; the model's reasoning in a "Thinking" card of its own.
    const tasks = live.tasks ?? [];
    const sig = (t: LiveTask) => `${t.status}|${t.output ?? ''}`;
    const changed = tasks.filter((t) => this.tasksSent.get(t.id) !== sig(t));
    if (live.reasoning) this.reasoning = live.reasoning.text;
    const thinking = live.reasoning ? reasoningChunk(live.reasoning) : undefined;
    const thinkingSig = thinking && 'status' in thinking ? thinking.status : undefined;
    const thinkingChanged = thinkingSig !== undefined && this.tasksSent.get(REASONING_TASK) !== thinkingSig;
    if (changed.length || thinkingChanged) {
      const title = tasks.length ? planTitle(tasks) : undefined;
      const plan = title && title !== this.planSent ? [{ type: 'plan_update' as const, title }] : [];
      await this.client.chat.appendStream({
        channel,
        ts: this.ts,
        chunks: [...plan, ...(thinkingChanged ? [thinking!] : []), ...changed.map(taskChunk)],
      });
      for (const t of changed) this.tasksSent.set(t.id, sig(t));
      if (thinkingChanged) this.tasksSent.set(REASONING_TASK, thinkingSig);
      if (title) this.planSent = title;
    }
    while (this.sent.length < live.text.length) {
      const delta = live.text.slice(this.sent.length, this.sent.length + APPEND_LIMIT);
      await this.client.chat.appendStream({ channel, ts: this.ts, markdown_text: delta });
      this.sent += delta;
    }
    if (live.status !== this.status) {
      this.status = live.status;
      await this.client.assistant.threads
        .setStatus({ channel_id: channel, thread_ts: threadTs, status: live.status ?? '' })
        .catch((err: unknown) => this.logger.debug({ err: slackErrorCode(err) }, 'setStatus not available'));
    }
  }

  private async stop(): Promise<void> {
    // The Thinking card ends with the answer, whatever Dify said; linked sources get a card of their own.
    const thinking = this.tasksSent.get(REASONING_TASK) === 'in_progress' && this.reasoning ? reasoningChunk({ text: this.reasoning, done: true }) : undefined;
    const sources = sourcesChunk(this.footer);
    const chunks = [...(thinking ? [thinking] : []), ...(sources ? [sources] : [])];
    if (chunks.length && this.ts) {
      await this.client.chat
        .appendStream({ channel: this.target.channelId, ts: this.ts, chunks })
        .catch((err: unknown) => this.logger.debug({ err: slackErrorCode(err) }, 'could not add the sources card'));
    }
    await this.endSession();
    this.toEdit();
  }

  /** Ends the stream and the "processing" state Slack shows with it (its own stop button included). */
  private async endSession(): Promise<void> {
    if (!this.ts) return;
    const session_status = this.waiting ? 'suspended' : 'active';
    await this.client.chat.stopStream({ channel: this.target.channelId, ts: this.ts, session_status }).catch((err: unknown) => {
      // Expired or already stopped: the final edit sets the text all the same.
      this.logger.debug({ err: slackErrorCode(err) }, 'chat.stopStream failed');
    });
    if (this.status) {
      this.status = undefined;
      await this.client.assistant.threads.setStatus({ channel_id: this.target.channelId, thread_ts: this.target.threadTs, status: '' }).catch(() => undefined);
    }
  }

  /** Native streaming ends here; the edit writer carries on with the streamed message, if any. */
  private toEdit(reason?: string): void {
    if (reason) this.logger.info({ reason }, 'native streaming ended; continuing by editing the message');
    this.mode = 'edit';
    if (this.ts) this.edit.adopt(this.ts);
  }

  private fallBack(code: string): void {
    if (UNSUPPORTED.has(code)) {
      this.latch.refuse(this.recipient.teamId);
      this.logger.info({ code }, 'native streaming is not available here; answers stream by editing messages');
    }
    this.toEdit(code);
  }
}
