import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockErrors, viewErrors } from '../support/block-kit.js';
import { specProblem } from '../support/dify-openapi.js';

const docs = JSON.parse(readFileSync(new URL('../../../shared/conformance/slack-payloads/slack-docs-examples.json', import.meta.url), 'utf8')) as Record<
  string,
  { blocks?: unknown[] }
>;
const plain = (text: string) => ({ type: 'plain_text', text });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'button', action_id: 'b', text: plain(text), ...extra });
const select = (n: number, value = (i: number) => `o${i}`) => ({
  type: 'static_select',
  action_id: 's',
  options: Array.from({ length: n }, (_, i) => ({ text: plain(`o${i}`), value: value(i) })),
});

describe('the fake Slack refuses blocks as Slack does', () => {
  it("accepts Slack's own examples and what the bridge sends", () => {
    expect(blockErrors(docs['context_actions_feedback_buttons']!.blocks, 'Messages')).toEqual([]);
    expect(blockErrors(docs['context_actions_icon_button']!.blocks, 'Messages')).toEqual([]);
    expect(
      blockErrors(
        [section('x'.repeat(3000)), { type: 'actions', elements: [button('x'.repeat(75)), select(100)] }, { type: 'markdown', text: 'y'.repeat(12_000) }],
        'Messages',
      ),
    ).toEqual([]);
  });

  it('names each limit crossed, with its JSON pointer', () => {
    expect(blockErrors([section('x'.repeat(3001))], 'Messages')).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    expect(
      blockErrors(
        Array.from({ length: 51 }, () => section('x')),
        'Messages',
      ),
    ).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
    expect(
      blockErrors(
        Array.from({ length: 100 }, () => section('x')),
        'Modals',
      ),
    ).toEqual([]);
    expect(blockErrors([{ type: 'actions', elements: [button('x'.repeat(76))] }], 'Messages')).toEqual([
      '[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);
    expect(blockErrors([{ type: 'actions', elements: [button('ok', { value: 'v'.repeat(2001) })] }], 'Messages')).toEqual([
      '[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ]);
    expect(blockErrors([{ type: 'actions', elements: [select(101)] }], 'Messages')).toEqual([
      '[ERROR] must have 1 to 100 items [json-pointer:/blocks/0/elements/0/options]',
    ]);
    expect(blockErrors([{ type: 'actions', elements: [select(2, (i) => 'v'.repeat(150 + i))] }], 'Messages')).toEqual([
      '[ERROR] must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/1/value]',
    ]);
    expect(blockErrors([{ type: 'header', text: plain('h'.repeat(151)) }], 'Messages')).toEqual([
      '[ERROR] must be less than 151 characters [json-pointer:/blocks/0/header/text/text]'.replace('/header', ''),
    ]);
    expect(
      blockErrors(
        [
          { type: 'markdown', text: 'a'.repeat(6001) },
          { type: 'markdown', text: 'b'.repeat(6000) },
        ],
        'Messages',
      ),
    ).toEqual(['[ERROR] markdown blocks hold 12001 characters, more than 12000 in one payload [json-pointer:/blocks]']);
    expect(blockErrors([{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' })) }], 'Messages')).toEqual([
      '[ERROR] must have 1 to 10 items [json-pointer:/blocks/0/elements]',
    ]);
  });

  it("refuses blocks and elements a surface does not take (Slack's blocks.json)", () => {
    expect(blockErrors(docs['context_actions_feedback_buttons']!.blocks, 'Modals')).toEqual([
      '[ERROR] context_actions blocks are not allowed in modals [json-pointer:/blocks/0/type]',
    ]);
    expect(blockErrors([{ type: 'markdown', text: 'x' }], 'Home tabs')).toEqual([
      '[ERROR] markdown blocks are not allowed in home tabs [json-pointer:/blocks/0/type]',
    ]);
    expect(blockErrors([{ type: 'context', elements: [button('x')] }], 'Messages')).toEqual([
      '[ERROR] button is not allowed in this block [json-pointer:/blocks/0/elements/0/type]',
    ]);
    expect(blockErrors([{ type: 'sparkle' }], 'Messages')).toEqual(['[ERROR] unknown block type sparkle [json-pointer:/blocks/0/type]']);
    expect(blockErrors([{ type: 'input', label: plain('f'), element: { type: 'file_input', action_id: 'f' } }], 'Messages')).toEqual([
      '[ERROR] file_input is only allowed in modals [json-pointer:/blocks/0/element/type]',
    ]);
  });

  it('checks modal views: title and buttons of 24 characters, a submit button with inputs', () => {
    const input = { type: 'input', label: plain('Q'), element: { type: 'plain_text_input', action_id: 'q' } };
    expect(viewErrors({ type: 'modal', title: plain('t'.repeat(24)), submit: plain('Run'), blocks: [input] })).toEqual([]);
    expect(viewErrors({ type: 'modal', title: plain('t'.repeat(25)), submit: plain('Run'), blocks: [input] })).toEqual([
      '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
    ]);
    expect(viewErrors({ type: 'modal', title: plain('t'), blocks: [input] })).toEqual([
      '[ERROR] is required when the view has input blocks [json-pointer:/view/submit]',
    ]);
    expect(
      viewErrors({
        type: 'modal',
        title: plain('t'),
        blocks: [{ type: 'input', label: plain('Q'), element: { type: 'external_select', action_id: 's', options: [] } }],
        submit: plain('Go'),
      }),
    ).toEqual(['[ERROR] is not allowed in an external_select [json-pointer:/view/blocks/0/element/options]']);
  });
});

describe("the fake Dify refuses requests as Dify's OpenAPI spec does", () => {
  const q = new URLSearchParams();
  it('accepts a well-formed chat request', () => {
    expect(specProblem('POST', '/v1/chat-messages', q, { query: 'hi', inputs: {}, user: 'u', response_mode: 'streaming' }, true)).toBeUndefined();
    expect(
      specProblem(
        'POST',
        '/v1/chat-messages',
        q,
        { query: 'hi', inputs: {}, user: 'u', files: [{ type: 'document', transfer_method: 'local_file', upload_file_id: 'f' }] },
        true,
      ),
    ).toBeUndefined();
  });

  it('names the required field, the enum or the type that is wrong', () => {
    expect(specProblem('POST', '/v1/chat-messages', q, { query: 'hi', user: 'u' }, true)).toBe("body must have required property 'inputs'");
    expect(specProblem('POST', '/v1/chat-messages', q, { query: 'hi', inputs: {}, user: 'u', response_mode: 'stream' }, true)).toBe(
      'response_mode must be equal to one of the allowed values (streaming, blocking)',
    );
    expect(
      specProblem('POST', '/v1/chat-messages', q, { query: 'hi', inputs: {}, user: 'u', files: [{ type: 'pdf', transfer_method: 'local_file' }] }, true),
    ).toBe('files.0.type must be equal to one of the allowed values (image, document, audio, video, custom)');
    expect(specProblem('POST', '/v1/workflows/run', q, { inputs: 'text', user: 'u' }, true)).toBe('inputs must be object');
    expect(specProblem('POST', '/v1/chat-messages/t1/stop', q, {}, true)).toBe("body must have required property 'user'");
    expect(specProblem('GET', '/v1/messages/m1/suggested', q, {}, false)).toBe('user is required in the query string');
    expect(specProblem('GET', '/v1/messages/m1/suggested', new URLSearchParams({ user: 'u' }), {}, false)).toBeUndefined();
  });
});
