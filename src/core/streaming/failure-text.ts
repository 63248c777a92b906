import { DifyError } from '../../dify/errors.js';

/** One short line a Slack user can act on; the full detail goes to the log. */
export function describeFailure(err: unknown): string {
  if (err instanceof DifyError) {
    const detail = err.message.length > 300 ? `${err.message.slice(0, 300)}…` : err.message;
    switch (err.kind) {
      case 'http':
      case 'stream':
        return `⚠️ Dify error (${err.code}): ${detail}`;
      case 'network':
        return `⚠️ Couldn't reach Dify: ${detail}. Please try again in a moment.`;
      case 'timeout':
        return `⚠️ Dify stopped responding: ${detail}. Please try again.`;
      case 'protocol':
        return `⚠️ Dify sent something unexpected: ${detail}`;
      case 'aborted':
        return '_(stopped)_';
      case 'config':
        return `⚠️ Bridge configuration: ${detail}`;
    }
  }
  return '⚠️ Something went wrong in the bridge while answering. The operator can find details in its log.';
}
