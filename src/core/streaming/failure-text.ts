import { DifyError } from '../../dify/errors.js';
import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';

/** The last line of an answer a person stopped. */
export const STOPPED_LINE = '_(stopped)_';
/** The last line of an answer cut by a shutdown (or never started before it). */
export const INTERRUPTED_LINE = '_(interrupted, please ask again)_';

/**
 * Everything a Slack user is told about a failure, in one place: one short line they can act
 * on; the full detail goes to the log. `app` names the app when the failure is not shown under
 * its answer (a command Dify refused, replied privately).
 */
export function failureText(err: unknown, context: { app?: string } = {}): string {
  const app = context.app ? `**${context.app}**` : undefined;
  if (err instanceof DifyError) {
    const message = neutralizeSlackMarkup(err.message);
    const detail = message.length > 300 ? `${message.slice(0, 300)}…` : message;
    switch (err.kind) {
      case 'http':
      case 'stream':
        return app ? `⚠️ Dify refused to run ${app} (${err.code}): ${detail}` : `⚠️ Dify error (${err.code}): ${detail}`;
      case 'network':
        return `⚠️ Couldn't reach Dify${app ? ` to run ${app}` : ''}: ${detail}. Please try again in a moment.`;
      case 'timeout':
        if (err.code === 'run_deadline') return `⚠️ ${detail}: the answer ends here.`;
        return `⚠️ Dify stopped responding${app ? ` to ${app}` : ''}: ${detail}. Please try again.`;
      case 'protocol':
        return `⚠️ Dify sent something unexpected${app ? ` for ${app}` : ''}: ${detail}`;
      case 'aborted':
        return STOPPED_LINE;
      case 'config':
        return `⚠️ Bridge configuration: ${detail}`;
    }
  }
  return `⚠️ Something went wrong in the bridge${app ? ` running ${app}` : ' while answering'}. The operator can find details in its log.`;
}
