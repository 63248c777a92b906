import { hkdfSync } from 'node:crypto';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from 'pino';
import { describeError } from '../../core/log-fields.js';
import type { StepCompleter } from '../../core/ports.js';
import { seal, unseal } from '../oauth/seal.js';

/** Slack's answers that mean the execution already ended (a second completion, a deleted workflow). */
const ALREADY_ENDED = new Set(['execution_not_in_running_state', 'function_execution_not_found']);

const slackError = (err: unknown) => (err as { data?: { error?: string } } | undefined)?.data?.error;

/**
 * Ends custom steps with the token Slack gave their function_executed event (it is valid only
 * for that execution, and the only one a step's end is sure to be accepted with). The token is
 * kept sealed with the run, so the process that sees the run end — after a pause, a restart, on
 * another replica — can end the step; the key comes from the signing secret every replica has.
 */
export class SlackStepCompleter implements StepCompleter {
  private readonly key: Buffer;

  constructor(
    signingSecret: string,
    private readonly options: WebClientOptions,
    private readonly logger: Logger,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', signingSecret, 'dify-slack-bridge', 'workflow step tokens', 32));
  }

  /** What the core keeps for an execution (StepRequest.completion). */
  seal(token: string, executionId: string): string {
    return seal(this.key, token, `step:${executionId}`);
  }

  async finish(completion: string, executionId: string, result: { outputs: Record<string, unknown> } | { error: string }): Promise<void> {
    const log = this.logger.child({ step: executionId });
    let token: string;
    try {
      token = unseal(this.key, completion, `step:${executionId}`);
    } catch {
      log.warn('cannot end the Workflow Builder step: its token was sealed under another SLACK_SIGNING_SECRET');
      return;
    }
    // Ending a step twice is refused harmlessly, so here (unlike posts) retrying is safe.
    const client = new WebClient(token, { ...this.options, retryConfig: { retries: 3, factor: 2, minTimeout: 500 }, rejectRateLimitedCalls: false });
    try {
      if ('outputs' in result) await client.functions.completeSuccess({ function_execution_id: executionId, outputs: result.outputs });
      else await client.functions.completeError({ function_execution_id: executionId, error: result.error });
      log.info({ ok: 'outputs' in result }, 'Workflow Builder step ended');
    } catch (err) {
      const code = slackError(err);
      if (code && ALREADY_ENDED.has(code)) return log.info({ code }, 'the Workflow Builder step had already ended in Slack');
      if (code === 'parameter_validation_failed' && 'outputs' in result) {
        log.warn({ code }, "Slack refused the step's outputs; ending it with an error instead");
        return this.finish(completion, executionId, {
          error: "Slack refused the step's outputs (they do not match the step's output parameters: run npm run manifest again and update the app).",
        });
      }
      log.warn({ err: describeError(err) }, 'could not end the Workflow Builder step in Slack');
    }
  }
}
