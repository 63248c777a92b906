/**
 * Where an answer is shown. The core decides what to show and when; a sink (Slack's
 * message writer) decides how: which messages to post, edit or split.
 */
export interface AnswerSink {
  /**
   * Shows the whole answer so far as Markdown, replacing what was shown before. `live` is the
   * same answer for sinks that can only append (Slack's native streaming): the raw text so far,
   * and a status line shown apart from it.
   */
  show(markdown: string, final: boolean, live?: LiveView): Promise<void>;
  /** The buttons shown under the answer from the next show on (none: no buttons). */
  setControls?(controls: AnswerControls): void;
  /** Adds files to the answer (in its thread), after the final show. */
  attachFiles?(files: OutgoingFile[]): Promise<void>;
}

export interface LiveView {
  text: string;
  status?: string;
  /** Steps of the run (tool calls, workflow nodes), for sinks that show them as tasks. */
  tasks?: LiveTask[];
}

export interface LiveTask {
  id: string;
  title: string;
  status: 'in_progress' | 'complete' | 'error';
}

export interface OutgoingFile {
  filename: string;
  data: Uint8Array;
  mimeType?: string;
}

/** The sink is rate limited: try again after `retryAfterMs`. */
export class SinkRateLimited extends Error {
  override readonly name = 'SinkRateLimited';
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}

/** The sink cannot show anything more for this answer (no access to the channel, say). */
export class SinkUnavailable extends Error {
  override readonly name = 'SinkUnavailable';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Buttons under an answer: Stop while it runs; feedback once it is final. */
export interface AnswerControls {
  stop?: { runId: string; askerId: string };
  feedback?: FeedbackRef;
  /** Follow-up questions, each a button that asks it in the thread. */
  suggestions?: string[];
}

/** What a feedback click needs to reach Dify: the app, its message, and the run's Dify user. */
export interface FeedbackRef {
  appId: string;
  messageId: string;
  user: string;
  /** The rating already given, shown as chosen. */
  rating?: 'like' | 'dislike';
}
