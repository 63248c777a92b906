import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AppCatalog } from '../core/apps/app-catalog.js';
import type { ChatBridge } from '../core/chat/chat-bridge.js';
import type { CommandRunner } from '../core/commands/command-runner.js';
import type { FeedbackRef, HomeSource } from '../core/ports.js';
import type { RunRegistry } from '../core/runs/run-registry.js';
import type { Store } from '../store/store.js';
import { registerAskSuggestion } from './actions/ask-suggestion.js';
import { COMMENT_CALLBACK, registerFeedback } from './actions/give-feedback.js';
import { registerStopAnswer } from './actions/stop-answer.js';
import { registerUnknownInteractions } from './actions/unknown-interaction.js';
import { FEEDBACK_ACTIONS, FORM_ACTIONS, STOP_ACTION, SUGGEST_ACTIONS } from './blocks/answer-controls.js';
import { registerAnswerForm } from './actions/answer-form.js';
import { HUMAN_INPUT_CALLBACK_ID } from './views/human-input-modal.js';
import { registerHumanInputSubmitted } from './views/human-input-submitted.js';
import type { RunFollower } from '../core/runs/run-follower.js';
import type { SharedAnswers } from '../core/chat/shared-answers.js';
import { registerShareAnswer } from './actions/share-answer.js';
import { SHARE_ACTION } from './private-answer-sink.js';
import type { FeedbackStyle } from './blocks/feedback-style.js';
import { registerCommands } from './commands/run-command.js';
import { registerAgentSessionStopped } from './events/agent-session-stopped.js';
import { registerAgentSessionTitleChanged } from './events/agent-session-title-changed.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerAppMention } from './events/app-mention.js';
import { registerUninstall } from './events/app-uninstalled.js';
import { registerAssistantThreadStarted } from './events/assistant-thread-started.js';
import { registerMessage } from './events/message.js';
import type { EventRouter } from './events/event-router.js';
import { registerQuestionChanged } from './events/question-changed.js';
import type { InstallationVault } from './oauth/installation-vault.js';
import { INPUTS_CALLBACK_ID, OPTIONS_ACTION } from './views/input-modal.js';
import { registerInputsSubmitted } from './views/inputs-submitted.js';
import { registerSuggestOptions } from './views/suggest-options.js';
import { ASK_CALLBACK_ID, ASK_SHORTCUT, registerAskAboutMessage } from './shortcuts/ask-about-message.js';
import { registerAskSubmitted } from './views/ask-submitted.js';
import { registerSummarizeThread, SUMMARIZE_SHORTCUT } from './shortcuts/summarize-thread.js';
import { registerSaveApprovedAnswer, SAVE_CALLBACK_ID, SAVE_SHORTCUT } from './shortcuts/save-approved-answer.js';
import { registerApprovedAnswerSubmitted } from './views/approved-answer-submitted.js';
import type { ApprovedAnswers } from '../core/chat/approved-answers.js';
import type { InstalledWorkspaces } from './workspaces.js';
import { registerWorkflowSteps, type WorkflowStepDeps } from './functions/workflow-step.js';

/** What the Slack surfaces hand their work to. */
export interface ListenerDeps {
  /** Chat events, which the front door also hands over without Bolt. */
  events: EventRouter;
  chat: ChatBridge;
  commands: CommandRunner;
  /** Human Input forms and runs that go on after their first stream. */
  follower: RunFollower;
  /** Private answers, for their Share button. */
  shares: SharedAnswers;
  catalog: AppCatalog;
  runs: RunRegistry;
  store: Pick<Store, 'claim'>;
  sendFeedback(ref: FeedbackRef, rating: 'like' | 'dislike' | null, content?: string): Promise<void>;
  /** Why this person may not rate the app's answers here (the access policy), or undefined. */
  refuseFeedback(who: { teamId: string; channelId: string; userId: string; appId: string }): Promise<string | undefined>;
  /** Slash commands the bridge serves: /dify and each app's own. */
  commandNames: string[];
  /** "Save as approved answer" (absent: no app has annotation editors). */
  approved?: ApprovedAnswers;
  /** What people's Home tabs show. */
  home?: HomeSource;
  /** Workflow Builder steps: the apps that are one, and what runs and ends them. */
  steps?: { apps: Array<{ appId: string; callbackId: string }> } & Omit<WorkflowStepDeps, 'logger'>;
  /** The chat app that writes "Summarize thread" summaries (absent: no such shortcut). */
  summarizeApp?: string;
  /** The chat app that answers DMs (greetings, suggested prompts). */
  defaultChatApp: string | undefined;
  feedbackStyle: FeedbackStyle;
  apiUrl?: string;
  /** Multi-workspace mode: installations, forgotten on uninstall. */
  installations?: { vault: InstallationVault; workspaces: InstalledWorkspaces };
  logger: Logger;
}

/** Every Slack surface of the bridge: events, commands, actions, views (one listener per file). */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const { logger } = deps;
  const surface = {
    logger,
    feedbackStyle: deps.feedbackStyle,
    chatEnabled: deps.defaultChatApp !== undefined,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  };
  if (deps.installations) registerUninstall(app, deps.installations.vault, deps.installations.workspaces, logger);
  // Events
  registerAppMention(deps.events, deps.chat, logger);
  registerMessage(deps.events, deps.chat);
  registerQuestionChanged(deps.events, deps.chat);
  deps.events.attach(app);
  registerAgentSessionStopped(app, deps.runs, logger);
  registerAgentSessionTitleChanged(app, deps.chat);
  registerAssistantThreadStarted(app, deps.catalog, deps.defaultChatApp, logger);
  registerAppHomeOpened(app, deps.catalog, deps.store, deps.defaultChatApp, logger, deps.home);
  // Commands and their forms
  registerCommands(app, deps.commands, deps.commandNames, surface);
  registerInputsSubmitted(app, deps.commands, deps.catalog, surface);
  registerSuggestOptions(app, deps.catalog, logger);
  // Buttons under answers
  registerStopAnswer(app, deps.runs, logger);
  registerFeedback(app, deps.sendFeedback, deps.refuseFeedback, logger);
  registerAskSuggestion(app, deps.chat, logger);
  registerShareAnswer(app, deps.shares, logger);
  // Message shortcuts
  registerAskAboutMessage(app, deps.chat, logger);
  registerAskSubmitted(app, deps.chat, logger);
  if (deps.summarizeApp) registerSummarizeThread(app, deps.chat, deps.summarizeApp, logger);
  if (deps.approved) {
    registerSaveApprovedAnswer(app, deps.approved, logger);
    registerApprovedAnswerSubmitted(app, deps.approved, logger);
  }
  // Workflow Builder steps
  if (deps.steps && deps.steps.apps.length > 0) registerWorkflowSteps(app, deps.steps.apps, { ...deps.steps, logger: logger.child({ component: 'steps' }) });
  // Human Input forms of paused runs
  registerAnswerForm(app, deps.follower, logger);
  registerHumanInputSubmitted(app, deps.follower, { logger, ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}) });
  // Last: acknowledges whatever none of the above takes.
  registerUnknownInteractions(
    app,
    {
      actions: [STOP_ACTION, SUGGEST_ACTIONS, FEEDBACK_ACTIONS, FORM_ACTIONS, SHARE_ACTION],
      views: [INPUTS_CALLBACK_ID, COMMENT_CALLBACK, HUMAN_INPUT_CALLBACK_ID, ASK_CALLBACK_ID, ...(deps.approved ? [SAVE_CALLBACK_ID] : [])],
      options: [OPTIONS_ACTION],
      shortcuts: [ASK_SHORTCUT, ...(deps.summarizeApp ? [SUMMARIZE_SHORTCUT] : []), ...(deps.approved ? [SAVE_SHORTCUT] : [])],
    },
    logger.child({ component: 'slack' }),
  );
}
