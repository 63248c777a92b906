import type { ServerResponse } from 'node:http';
import { FakeDify, WorkflowEvents, sleep, tokens, writeSse, type ChatContext, type DifyRequest } from '../test/support/fake-dify.js';

/** The demo's Dify apps: their API keys as the bridge configuration names them. */
export const DEMO_KEYS = { assistant: 'app-demo-assistant', report: 'app-demo-report', haiku: 'app-demo-haiku' } as const;

/** How long the scripted apps pause between tokens: slow enough to watch, and to press Stop. */
const TOKEN_MS = 45;

/**
 * A scripted Dify speaking the Service API's exact wire format (the same fake the tests use):
 * an agent chat app that calls a "tool" and streams Markdown, a three-step workflow app and a
 * completion app.
 */
export async function startScriptedDify(): Promise<FakeDify> {
  const dify = await new FakeDify().start();
  dify.apps.set(DEMO_KEYS.assistant, {
    mode: 'agent-chat',
    name: 'Assistant',
    description: 'A scripted agent: looks things up with a tool, answers in Markdown',
    openingStatement: 'Hi! I am a scripted Dify agent. Ask me anything, and watch the answer stream in.',
    starters: ['What can this bridge do?', 'Show me some Markdown'],
    followUps: ['What happens when I press Stop?', 'Does the thread remember what I said?'],
  });
  dify.apps.set(DEMO_KEYS.report, {
    mode: 'workflow',
    name: 'Report',
    description: 'A workflow: research, draft, your approval, review',
    form: [{ 'text-input': { label: 'Topic', variable: 'topic', required: true, max_length: 200, default: '' } }],
    onRun: (req, res) => report(dify, req, res),
  });
  dify.apps.set(DEMO_KEYS.haiku, {
    mode: 'completion',
    name: 'Haiku',
    description: 'Writes a haiku about a subject',
    form: [{ 'text-input': { label: 'Subject', variable: 'subject', required: true, max_length: 100, default: '' } }],
    onRun: haiku,
  });
  const turns = new Map<string, number>();
  dify.onChat = (ctx) => {
    const turn = (turns.get(ctx.conversationId) ?? 0) + 1;
    turns.set(ctx.conversationId, turn);
    return chat(ctx, turn);
  };
  return dify;
}

function chat({ req, events, res }: ChatContext, turn: number): Promise<void> {
  const question = String(req.body['query'] ?? '').trim();
  const answer = [
    `### About “${question.slice(0, 80)}”`,
    '',
    turn === 1
      ? 'This is the **first message** of this thread’s Dify conversation: reply in the thread (no mention needed) and I will remember it.'
      : `This is message **#${turn}** of this thread’s conversation: the bridge keeps one Dify \`conversation_id\` per thread.`,
    '',
    'What just happened:',
    '- the bridge acknowledged Slack within milliseconds,',
    '- called the `web_search` tool (you saw the status line),',
    '- and is now *editing this message* as the tokens arrive.',
    '',
    '```ts',
    "app.chat.invoke('assistant', { query, conversation_id, response_mode: 'streaming' })",
    '```',
    '',
    'How it compares (tables become Slack table blocks, row by row as they stream):',
    '',
    '| Bridge | Streams | Remembers the thread | Human Input |',
    '|:---|:---:|:---:|---:|',
    '| Official plugin | no | no | — |',
    '| Generic bot framework | yes | by hand | — |',
    '| **This bridge** | yes | yes | buttons and forms |',
    '',
    '```echarts',
    JSON.stringify({
      title: { text: 'Seconds until the first words show' },
      xAxis: { type: 'category', data: ['Official plugin', 'Generic framework', 'This bridge'] },
      yAxis: { type: 'value', name: 'seconds' },
      series: [{ name: 'first words', type: 'bar', data: [14.2, 1.1, 0.4] }],
    }),
    '```',
    '',
    'Press 👍 or 👎 below when it is done, or one of the follow-up questions.',
  ].join('\n');
  async function* script() {
    yield events.agentThought('web_search', '', 1, 'thought-1');
    await sleep(700);
    yield events.agentThought('web_search', '{"results": 3}', 1, 'thought-1');
    for (const t of tokens(answer, 6)) yield events.agentMessage(t);
    yield events.messageEnd([{ document_name: 'Slack bridge handbook' }]);
  }
  return writeSse(res, script(), TOKEN_MS);
}

/**
 * Research and draft, then a Human Input step (Approve / Send back, with a note), then review:
 * the run pauses on the form, and goes on when it is answered (GET /v1/workflow/{id}/events).
 */
async function report(dify: FakeDify, req: DifyRequest, res: ServerResponse): Promise<void> {
  const inputs = (req.body['inputs'] ?? {}) as Record<string, unknown>;
  const topic = String(inputs['topic'] ?? 'something');
  const user = String(req.body['user']);
  const w = new WorkflowEvents();
  const steps: Array<[string, string, string]> = [
    ['research', 'knowledge-retrieval', 'Research'],
    ['draft', 'llm', 'Draft'],
  ];
  const form = {
    form_content: `The draft of **${topic}** is ready. Publish it?`,
    inputs: [{ type: 'paragraph', output_variable_name: 'note', default: { type: 'constant', selector: [], value: '' } }],
    resolved_default_values: { note: '' },
    user_actions: [
      { id: 'approve', title: 'Approve', button_style: 'primary' },
      { id: 'send_back', title: 'Send back', button_style: 'default' },
    ],
    expiration_time: Math.floor(Date.now() / 1000) + 24 * 3600,
  };
  const token = dify.pause(DEMO_KEYS.report, { runId: w.runId, user, form, onEvents: (r) => resume(r) });
  async function* untilPause() {
    yield w.started();
    for (const [i, [id, type, title]] of steps.entries()) {
      yield w.nodeStarted(id, type, title, i + 1);
      await sleep(900);
      yield w.nodeFinished(id, type, title, i + 1);
    }
    yield w.nodeStarted('approval', 'human-input', 'Approval', 3);
    const data = { form_id: `form-${w.runId}`, node_id: 'approval', node_title: 'Approval', form_content: form.form_content, inputs: form.inputs };
    const rest = {
      actions: form.user_actions,
      resolved_default_values: form.resolved_default_values,
      form_token: token,
      expiration_time: form.expiration_time,
    };
    yield { event: 'human_input_required', workflow_run_id: w.runId, task_id: w.taskId, data: { ...data, display_in_ui: true, ...rest } };
    yield {
      event: 'workflow_paused',
      workflow_run_id: w.runId,
      task_id: w.taskId,
      data: {
        workflow_run_id: w.runId,
        paused_nodes: ['approval'],
        outputs: {},
        reasons: [{ TYPE: 'human_input_required', ...data, ...rest }],
        status: 'paused',
      },
    };
  }
  async function resume(r: ServerResponse): Promise<void> {
    r.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    r.write('event: ping\n\n');
    await Promise.race([dify.whenSubmitted(token), new Promise((done) => r.once('close', done))]);
    const answer = dify.forms.get(token)?.submitted;
    if (!answer || r.destroyed) return;
    const note = typeof answer.inputs['note'] === 'string' && answer.inputs['note'] ? ` (note: ${answer.inputs['note']})` : '';
    const approved = answer.action === 'approve';
    const text = approved
      ? `## Report: ${topic}\n\n1. **Research**: three sources agree that ${topic} matters.\n2. **Draft**: written in one pass.\n3. **Review**: approved${note}, no issues found.`
      : `The draft of **${topic}** was sent back${note}; nothing was published.`;
    async function* rest() {
      yield {
        event: 'workflow_started',
        workflow_run_id: w.runId,
        task_id: w.taskId,
        data: { id: w.runId, workflow_id: 'wf-1', inputs: {}, created_at: 1, reason: 'resumption' },
      };
      yield w.nodeFinished('approval', 'human-input', 'Approval', 3);
      if (approved) {
        yield w.nodeStarted('review', 'llm', 'Review', 4);
        await sleep(900);
        yield w.nodeFinished('review', 'llm', 'Review', 4);
      }
      const run = dify.workflowRuns.get(w.runId);
      if (run) Object.assign(run, { status: 'succeeded', outputs: { report: text } });
      yield w.finished('succeeded', { report: text });
    }
    await writeSse(r, rest());
  }
  return writeSse(res, untilPause());
}

function haiku(req: DifyRequest, res: ServerResponse): Promise<void> {
  const inputs = (req.body['inputs'] ?? {}) as Record<string, unknown>;
  const subject = String(inputs['subject'] ?? req.body['query'] ?? 'Slack');
  const id = `msg-${Date.now()}`;
  const env = (event: string) => ({ event, message_id: id, created_at: Math.floor(Date.now() / 1000), task_id: `task-${id}`, id });
  const poem = `*${subject}*\n\nTokens drift like snow\neach edit a quiet step\nthe answer arrives`;
  return writeSse(
    res,
    [
      ...tokens(poem, 5).map((t) => ({ ...env('message'), answer: t, from_variable_selector: null })),
      { ...env('message_end'), metadata: { usage: { total_tokens: 21 } }, files: null },
    ],
    TOKEN_MS,
  );
}
