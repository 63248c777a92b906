/** Dify's app types as the client calls them (chatbot, agent and chatflow apps are all `chat`). */
export type DifyAppType = 'chat' | 'workflow' | 'completion';

/** One Dify app the client may invoke: its type, API key and Service API base. */
export interface DifyApp {
  type: DifyAppType;
  apiKey: string;
  /** Base URL ending in /v1. */
  apiUrl: string;
}

export interface DifyTimeouts {
  /** Time to establish the connection and receive response headers. */
  connectMs: number;
  /** Longest silence allowed between two bytes of a stream (Dify pings every ~10 s). */
  idleMs: number;
  /** Whole-request limit for blocking calls. */
  blockingMs: number;
}
