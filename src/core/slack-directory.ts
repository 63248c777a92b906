import type { LoggedMessage } from './thread-log.js';

export interface UserProfile {
  name: string;
  title?: string;
  timeZone?: string;
  timeZoneLabel?: string;
  /** Seconds east of UTC. */
  utcOffset?: number;
}

export interface ChannelProfile {
  name?: string;
  topic?: string;
  purpose?: string;
  isDirect: boolean;
}

/** What the core may ask Slack about people, channels and threads (cached by the implementation). */
export interface SlackDirectory {
  user(teamId: string, userId: string): Promise<UserProfile | undefined>;
  channel(teamId: string, channelId: string): Promise<ChannelProfile | undefined>;
  /** A thread's messages (or a DM's recent ones when threadTs is ''), oldest first. */
  threadMessages(teamId: string, channelId: string, threadTs: string): Promise<LoggedMessage[]>;
  /** A file a user shared (url_private_download), at most `maxBytes`. */
  fetchFile(teamId: string, url: string, maxBytes: number): Promise<{ data: Uint8Array; mimeType?: string }>;
}
