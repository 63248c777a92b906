import type { TestBridge } from '../support/harness.js';

export const EXTENSION_KEY = 'ext-key-0123456789';

/** POSTs to the extension route as Dify's requestor does. */
export async function callExtension(t: TestBridge, point: string, params: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${t.base}/api/dify/receive`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EXTENSION_KEY}` },
    body: JSON.stringify({ point, params }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** The Slack context inputs an app declares, so the bridge fills them and Dify sends them back. */
export const CONTEXT_FORM = ['slack_team_id', 'slack_channel_id', 'slack_thread_ts', 'slack_user_id'].map((variable) => ({
  'text-input': { variable, label: variable, required: false },
}));
