/**
 * Where a failure came from:
 * - http: Dify answered with a non-2xx status and a `{code, message, status}` body;
 * - stream: an in-stream `error` event (HTTP status was 200);
 * - network: the connection failed or broke;
 * - timeout: no response, or no bytes for longer than the idle timeout;
 * - protocol: Dify's answer did not match its documented shape;
 * - aborted: the caller cancelled;
 * - config: the app id is not configured, or not of the interface's type (nothing was sent).
 */
export type DifyErrorKind = 'http' | 'stream' | 'network' | 'timeout' | 'protocol' | 'aborted' | 'config';

export class DifyError extends Error {
  override readonly name = 'DifyError';
  constructor(
    readonly kind: DifyErrorKind,
    readonly code: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Dify's `404 not_found` for a conversation id that no longer exists (or belongs to another user). */
  get isConversationMissing(): boolean {
    return this.kind === 'http' && this.status === 404 && /conversation/i.test(this.message);
  }
}
