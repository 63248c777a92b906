import type { FetchFunction, WebClient, WebClientOptions } from '@slack/web-api';
import { LeanWebClient } from './lean-web-client.js';
import type { InstallationVault } from './oauth/installation-vault.js';

/** How the bridge acts in a workspace: its Web API client, bot token and bot user. */
export interface Workspaces {
  client(teamId: string): WebClient;
  /** For file downloads from Slack's file hosts (never sent anywhere else). */
  botToken(teamId: string): Promise<string>;
  /** The bot's user id there ('' until known). */
  botUserId(teamId: string): string;
}

/** One workspace, one bot token (SLACK_BOT_TOKEN). */
export class SingleWorkspace implements Workspaces {
  constructor(
    private readonly webClient: WebClient,
    private readonly token: string,
    /** Who the bot is, from auth.test at start. */
    private readonly identity: { readonly botUserId: string; readonly teamId: string },
  ) {}

  /** The workspace's team id. */
  get teamId(): string {
    return this.identity.teamId;
  }

  client(): WebClient {
    return this.webClient;
  }

  async botToken(): Promise<string> {
    return this.token;
  }

  botUserId(): string {
    return this.identity.botUserId;
  }
}

/**
 * Every workspace that installed the app (multi-workspace mode): a Web API client each, whose
 * requests carry that workspace's bot token, read from the vault when the call is made.
 */
export class InstalledWorkspaces implements Workspaces {
  private readonly clients = new Map<string, WebClient>();

  constructor(
    private readonly vault: InstallationVault,
    private readonly options: WebClientOptions,
  ) {}

  client(teamId: string): WebClient {
    let client = this.clients.get(teamId);
    if (!client) {
      const inner: FetchFunction = this.options.fetch ?? ((url, init) => fetch(url, init));
      const api = this.options.slackApiUrl ?? 'https://slack.com/api/';
      // The token goes to Slack's Web API only, whatever URL a call may be given.
      const withToken: FetchFunction = async (url, init) =>
        String(url).startsWith(api)
          ? inner(url, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${await this.vault.botToken(teamId)}` } })
          : inner(url, init);
      client = new LeanWebClient(undefined, { ...this.options, fetch: withToken });
      this.clients.set(teamId, client);
    }
    return client;
  }

  botToken(teamId: string): Promise<string> {
    return this.vault.botToken(teamId);
  }

  botUserId(teamId: string): string {
    return this.vault.botUserId(teamId) ?? '';
  }

  /** An uninstalled workspace's client goes too. */
  forget(teamId: string): void {
    this.clients.delete(teamId);
  }
}
