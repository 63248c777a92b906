import type { AppType, DifyAppConfig } from '../../config/types.js';
import type { DifyClient } from '../../dify/client.js';
import { parseFilePolicy, type FilePolicy } from './file-policy.js';
import { parseInputForm, type FormField } from '../commands/input-form.js';
import { isSlackContextVariable, type SlackContextVariable } from './context-inputs.js';
import { personaOf } from './persona.js';
import type { Persona } from '../ports.js';

export interface AppDescription {
  /** The name in the bridge's configuration (what users type). */
  id: string;
  type: AppType;
  /** Dify's name for the app, and its description (configured description wins). */
  title: string;
  description: string;
  /** The inputs a person fills in. */
  fields: FormField[];
  /** The slack_* inputs the app declares, filled in by the bridge. */
  contextVariables: SlackContextVariable[];
  /** Which files the app takes with a chat message. */
  files: FilePolicy;
  openingStatement?: string;
  /** Questions to suggest when a conversation starts. */
  suggestedQuestions: string[];
  /** Dify suggests follow-up questions after each answer. */
  suggestsFollowUps: boolean;
  /** The app shows citations (Dify's retriever_resource): sources carry their scores. */
  showsSourceScores: boolean;
  command?: string;
  /** The name and icon its answers carry (BRIDGE_CONFIG persona, else Dify's WebApp title and icon). */
  persona?: Persona;
  /** Dify's WebApp disclaimer, shown small under final answers. */
  disclaimer?: string;
  /** Edited answers show the model's reasoning as a quote above the answer. */
  showReasoning: boolean;
  /** Dify answers matching questions with saved annotations (Annotation Reply is on). */
  annotationReply: boolean;
  /** Voice clips can be turned into text (speech-to-text is on). */
  speechToText: boolean;
}

interface Entry {
  at: number;
  value: Promise<AppDescription>;
}

/**
 * What each configured app is and which inputs it takes, from Dify's /info, /parameters and
 * /site, cached for a few minutes: help and forms are shown often, apps change rarely (and
 * Dify's signed icon URL lasts five minutes).
 */
export class AppCatalog {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly dify: Pick<DifyClient, 'info' | 'parameters' | 'site'>,
    private readonly apps: Record<string, DifyAppConfig & { command?: string }>,
    private readonly ttlMs = 4 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get names(): string[] {
    return Object.keys(this.apps);
  }

  has(id: string): boolean {
    return Object.hasOwn(this.apps, id);
  }

  /** The configured app answering to `/command`, if any. */
  byCommand(command: string): string | undefined {
    return Object.entries(this.apps).find(([, a]) => a.command === command)?.[0];
  }

  describe(id: string): Promise<AppDescription> {
    const hit = this.cache.get(id);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.load(id);
    this.cache.set(id, { at: this.now(), value });
    // A failure is not cached: the next request asks Dify again.
    value.catch(() => {
      if (this.cache.get(id)?.value === value) this.cache.delete(id);
    });
    return value;
  }

  private async load(id: string): Promise<AppDescription> {
    const app = this.apps[id];
    if (!app) throw new Error(`unknown app ${id}`);
    // /site is optional: Dify answers 403 for an app without a WebApp; the bot's own name is used then.
    const [info, params, site] = await Promise.all([
      this.dify.info(id).catch(() => undefined),
      this.dify.parameters(id),
      this.dify.site(id).catch(() => undefined),
    ]);
    const persona = personaOf(app.persona, site);
    const disclaimer = site?.custom_disclaimer?.trim();
    const all = parseInputForm(params.user_input_form);
    return {
      id,
      type: app.type,
      title: info?.name || id,
      description: app.description || info?.description || '',
      fields: all.filter((f) => !isSlackContextVariable(f.variable)),
      contextVariables: all.map((f) => f.variable).filter(isSlackContextVariable),
      files: parseFilePolicy(params.file_upload, params['system_parameters']),
      ...(params.opening_statement ? { openingStatement: params.opening_statement } : {}),
      suggestedQuestions: (params.suggested_questions ?? []).filter((q) => q.trim()),
      suggestsFollowUps: params.suggested_questions_after_answer?.enabled === true,
      showsSourceScores: params.retriever_resource?.enabled === true,
      ...(app.command ? { command: app.command } : {}),
      ...(persona ? { persona } : {}),
      ...(disclaimer ? { disclaimer: disclaimer.slice(0, 500) } : {}),
      showReasoning: app.showReasoning === true,
      annotationReply: params.annotation_reply?.enabled === true,
      speechToText: params.speech_to_text?.enabled === true,
    };
  }
}
