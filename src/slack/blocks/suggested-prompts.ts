import type { AssistantThreadsSetSuggestedPromptsArguments } from '@slack/web-api';

/**
 * Slack's suggested prompts (at most 4) for a DM with the bot. Without thread_ts: the app is an
 * agent app (manifest `agent_view`), and Slack silently drops a call that names a thread
 * ("should only be used in the legacy assistant messaging experience", method docs).
 */
export function suggestedPrompts(channelId: string, questions: readonly string[]): AssistantThreadsSetSuggestedPromptsArguments {
  const prompts = questions.slice(0, 4).map((q) => ({ title: q.length > 75 ? `${q.slice(0, 74)}…` : q, message: q }));
  return { channel_id: channelId, prompts };
}
