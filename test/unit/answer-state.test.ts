import { describe, expect, it } from 'vitest';
import { emptyAnswer, reduceAnswer } from '../../src/core/streaming/answer-state.js';
import { answerFooter, renderAnswer } from '../../src/core/streaming/answer-view.js';
import { footerBlocks } from '../../src/slack/blocks/answer-footer.js';
import { parseDifyEvent, type DifyEvent } from '../../src/dify/events.js';
import { ChatEvents } from '../support/fake-dify.js';

const fold = (events: unknown[]) => events.map((e) => parseDifyEvent(e)).reduce((s, e: DifyEvent) => reduceAnswer(s, e), emptyAnswer());

describe('answer state', () => {
  const ev = new ChatEvents('conv-1', 'msg-1', 'task-1');

  it('appends message deltas and records ids', () => {
    const s = fold([ev.message('Hel'), ev.message('lo'), ev.messageEnd([{ document_name: 'Guide' }])]);
    expect(s).toMatchObject({
      text: 'Hello',
      conversationId: 'conv-1',
      messageId: 'msg-1',
      taskId: 'task-1',
      sources: [{ title: 'Guide', dataset: 'Docs', score: 0.9 }],
    });
  });

  it('replaces on message_replace', () => {
    expect(fold([ev.message('bad words'), ev.messageReplace('[removed]')]).text).toBe('[removed]');
  });

  it('treats the New Agent closing message as the full answer', () => {
    expect(fold([ev.agentMessage('Hi '), ev.agentMessage('there'), ev.message('Hi there!'), ev.messageEnd()]).text).toBe('Hi there!');
  });

  it('shows a tool status while it runs and clears it when the tool returns', () => {
    const running = fold([ev.agentThought('google_search;wikipedia', '')]);
    expect(running.status).toBe('Using google_search, wikipedia…');
    expect(fold([ev.agentThought('google_search', ''), ev.agentThought('google_search', '{"r":1}')]).status).toBeUndefined();
  });

  it('keeps tool calls and chatflow nodes as tasks (for native streaming)', () => {
    const started = ev.nodeStarted('llm', 'Draft');
    const finished = { ...started, event: 'node_finished', data: { ...started.data, status: 'succeeded', error: null, outputs: {} } };
    const s = fold([ev.agentThought('search', ''), started, ev.agentThought('search', '{"ok":1}'), finished, ev.nodeStarted('start', 'Start')]);
    expect(s.tasks).toEqual([
      { id: 'thought-1', title: 'search', kind: 'tool', status: 'complete', output: 'ok: 1' },
      { id: started.data.id, title: 'Draft', status: 'complete' },
    ]);
  });

  it('passes unknown events through without change', () => {
    const s = fold([ev.message('a'), { event: 'brand_new_event', whatever: 1 }]);
    expect(s.text).toBe('a');
  });

  it('renders a placeholder, a status, a failure and footers', () => {
    expect(renderAnswer(emptyAnswer(), false)).toBe('_Thinking…_');
    expect(renderAnswer({ ...emptyAnswer(), status: 'Using x…' }, false)).toBe('_Using x…_');
    expect(renderAnswer({ ...emptyAnswer(), text: 'partial **bo' }, true, { failure: '⚠️ oops' })).toBe('partial **bo**\n\n⚠️ oops');
    expect(renderAnswer(emptyAnswer(), true)).toBe('_(Dify returned an empty answer)_');
    // Sources are not in the answer's text: they go under it, with the tools used and the disclaimer.
    const withSources = { ...emptyAnswer(), text: 'x', sources: [{ title: 'A' }, { title: 'B' }] };
    expect(renderAnswer(withSources, true, { notice: 'New conversation.' })).toBe('_New conversation._\n\nx');
    expect(answerFooter(withSources, { disclaimer: 'AI can be wrong.' })).toEqual({ sources: withSources.sources, disclaimer: 'AI can be wrong.' });
    expect(answerFooter({ ...emptyAnswer(), text: 'x' })).toBeUndefined();
  });

  it('numbers sources once per document, with their dataset, a link where Dify gives one, the score where the app shows citations', () => {
    const end = (resources: Array<Record<string, unknown>>) =>
      fold([
        ev.message('x'),
        { event: 'message_end', conversation_id: 'c', message_id: 'm', task_id: 't', id: 'm', metadata: { retriever_resources: resources } },
      ]);
    const s = end([
      { document_id: 'd1', document_name: 'Handbook', dataset_name: 'HR', score: 0.71 },
      { document_id: 'd1', document_name: 'Handbook', dataset_name: 'HR', score: 0.93 },
      { document_id: 'd2', document_name: 'Careers page', dataset_name: 'Web', score: 0.5, doc_metadata: { source_url: 'https://example.com/careers' } },
      { document_id: 'd3', document_name: 'Odd', url: 'javascript:alert(1)' },
    ]);
    expect(s.sources).toEqual([
      { title: 'Handbook', dataset: 'HR', score: 0.93 },
      { title: 'Careers page', dataset: 'Web', url: 'https://example.com/careers', score: 0.5 },
      { title: 'Odd' },
    ]);
    expect(renderAnswer(s, true)).toBe('x');
    const line = (showScores: boolean) => (footerBlocks(answerFooter(s, { showScores }))[0] as { elements: Array<{ text: string }> }).elements[0]!.text;
    expect(line(false)).toBe('📚 *Sources:* 1. Handbook (HR) · 2. <https://example.com/careers|Careers page> (Web) · 3. Odd');
    expect(line(true)).toBe('📚 *Sources:* 1. Handbook (HR) 93% · 2. <https://example.com/careers|Careers page> (Web) 50% · 3. Odd');
  });
});

describe('parseDifyEvent', () => {
  it('rejects a known event with a malformed field, naming it', () => {
    expect(() => parseDifyEvent({ event: 'message', answer: 42 })).toThrow(/malformed "message" event \(answer/);
    expect(() => parseDifyEvent([1])).toThrow(/not a JSON object/);
    expect(() => parseDifyEvent({ answer: 'x' })).toThrow(/without an "event" name/);
    // The per-token events skip the schema only when they are exactly what it accepts.
    expect(() => parseDifyEvent({ event: 'message', answer: 'x', task_id: 7 })).toThrow(/malformed "message" event \(task_id/);
    expect(() => parseDifyEvent({ event: 'agent_message', answer: 'x', created_at: 'yesterday' })).toThrow(/malformed "agent_message" event \(created_at/);
    expect(() => parseDifyEvent({ event: 'text_chunk', data: { text: 3 } })).toThrow(/malformed "text_chunk" event \(data.text/);
    const ok = { event: 'message', answer: 'x', task_id: 't', conversation_id: null, extra: { kept: true } };
    expect(parseDifyEvent(ok)).toEqual(ok);
  });

  it('accepts every event of the documented catalogue with extra fields', () => {
    const names = [
      'workflow_started',
      'node_started',
      'node_finished',
      'iteration_started',
      'loop_next',
      'text_chunk',
      'workflow_finished',
      'tts_message',
      'message_file',
      'reasoning_chunk',
      'workflow_paused',
      'agent_log',
    ];
    const samples: Record<string, unknown> = {
      workflow_started: { data: { id: 'r', workflow_id: 'w', inputs: {}, created_at: 1, reason: 'initial' } },
      node_started: { data: { id: 'n', node_id: 'llm', node_type: 'llm', title: 'LLM', index: 1, extras: {} } },
      node_finished: { data: { id: 'n', node_id: 'llm', node_type: 'llm', title: 'LLM', status: 'succeeded', outputs: {}, error: null } },
      iteration_started: { data: { id: 'i', node_id: 'it', node_type: 'iteration', title: 'It' } },
      loop_next: { data: { id: 'l', node_id: 'lp', node_type: 'loop', title: 'Loop', index: 1, pre_loop_output: null } },
      text_chunk: { data: { text: 'Bonjour', from_variable_selector: ['llm', 'text'] } },
      workflow_finished: { data: { id: 'r', status: 'failed', outputs: null, error: 'boom', files: [] } },
      tts_message: { audio: 'qqq' },
      message_file: { id: 'f', type: 'image', belongs_to: 'assistant', url: 'https://x/y.png' },
      reasoning_chunk: { data: { reasoning: 'hmm', node_id: 'llm', is_final: false } },
      workflow_paused: { data: { paused_nodes: ['human'], status: 'paused' } },
      agent_log: { data: { id: 'a', label: 'x', status: 'success' } },
    };
    for (const name of names) {
      const e = parseDifyEvent({ event: name, workflow_run_id: 'r', task_id: 't', new_field: true, ...(samples[name] as object) });
      expect(e.event).toBe(name);
    }
  });
});
