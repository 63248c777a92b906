/** What the bridge core reports about its work, for metrics (the core knows no metrics library). */
export interface RunObserver {
  /** A Slack delivery of a message already being answered (a retry, or app_mention + message). */
  deduplicated(): void;
  /** A Dify run ended: `outcome` answered / failed / stopped / interrupted / undeliverable… */
  runFinished(run: { kind: 'chat' | 'workflow' | 'completion'; app: string; outcome: string; ms: number }): void;
  /** From the request to Dify: its first answer text or status, and the first of it shown in Slack. */
  firstToken(app: string, ms: number): void;
  firstText(app: string, ms: number): void;
}

export const noObserver: RunObserver = {
  deduplicated: () => undefined,
  runFinished: () => undefined,
  firstToken: () => undefined,
  firstText: () => undefined,
};
