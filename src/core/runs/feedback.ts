import type { DifyClient } from '../../dify/client.js';
import type { FeedbackRef } from '../ports.js';

/**
 * Sends a rating to Dify for the answer's message, as the run's Dify user (Dify's logs and
 * annotations show it). `null` takes an earlier rating back.
 */
export async function sendFeedback(dify: Pick<DifyClient, 'feedback'>, ref: FeedbackRef, rating: 'like' | 'dislike' | null, content?: string): Promise<void> {
  await dify.feedback(ref.appId, ref.messageId, { rating, user: ref.user, ...(content ? { content } : {}) });
}
