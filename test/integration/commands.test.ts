import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDify, json, sleep, tokens, writeSse, WorkflowEvents, type FakeApp } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge;
let slack: FakeSlack;
let dify: FakeDify;

const summarize: FakeApp = {
  mode: 'workflow',
  name: 'Summarizer',
  description: 'Summarizes any text',
  form: [
    { paragraph: { variable: 'text', label: 'Text', type: 'paragraph', required: true, max_length: 5000 } },
    { select: { variable: 'lang', label: 'Language', type: 'select', required: false, options: ['fr', 'de'] } },
    { number: { variable: 'count', label: 'Bullet count', type: 'number', required: false } },
  ],
};
const writer: FakeApp = {
  mode: 'completion',
  name: 'Writer',
  form: [
    { 'text-input': { variable: 'topic', label: 'Topic', required: true, max_length: 80 } },
    { checkbox: { variable: 'formal', label: 'Formal tone', required: false } },
  ],
};
const report: FakeApp = {
  mode: 'workflow',
  name: 'Report builder',
  form: [
    { 'text-input': { variable: 'title', label: 'Title', type: 'text-input', required: true, max_length: 40 } },
    { paragraph: { variable: 'notes', label: 'Notes', type: 'paragraph', required: false } },
    { select: { variable: 'format', label: 'Format', type: 'select', required: true, options: ['pdf', 'md'] } },
    { number: { variable: 'pages', label: 'Pages', type: 'number', required: true } },
    { checkbox: { variable: 'draft', label: 'Draft', type: 'checkbox', required: false } },
    { file: { variable: 'source', label: 'Source document', type: 'file', required: true, allowed_file_types: ['document'] } },
    { 'file-list': { variable: 'images', label: 'Images', type: 'file-list', required: false, max_length: 3 } },
    { json_object: { variable: 'meta', label: 'Metadata', type: 'json_object', required: false } },
  ],
};

beforeEach(async () => {
  slack = await new FakeSlack().start();
  dify = await new FakeDify().start();
  dify.apps.set('app-summarize', { ...summarize });
  dify.apps.set('app-writer', { ...writer });
  dify.apps.set('app-report', { ...report });
  t = await startTestBridge({
    slack,
    dify,
    bridgeConfig: {
      apps: {
        summarize: { type: 'workflow', apiKey: 'app-summarize', apiUrl: dify.url, command: '/summarize' },
        writer: { type: 'completion', apiKey: 'app-writer', apiUrl: dify.url },
        report: { type: 'workflow', apiKey: 'app-report', apiUrl: dify.url },
      },
    },
  });
});
afterEach(async () => {
  await t.close();
  await slack.close();
  await dify.close();
});

const runs = () => dify.requests.filter((r) => r.path === '/v1/workflows/run' || r.path === '/v1/completion-messages');
const ackText = (body: string) => {
  const b = JSON.parse(body) as { text?: string; blocks?: Array<{ text: string }> };
  return b.blocks?.[0]?.text ?? b.text ?? '';
};
const ephemeral = (id: string) =>
  slack
    .responsesTo(id)
    .filter((r) => r.body['response_type'] === 'ephemeral')
    .map((r) => String((r.body['blocks'] as Array<{ text: string }>)[0]!.text));

describe('/dify help', () => {
  it('lists the apps with type, description, inputs and a usage example', async () => {
    const r = await t.command('');
    expect(r.status).toBe(200);
    const text = ackText(r.body);
    expect(JSON.parse(r.body).response_type).toBe('ephemeral');
    expect(text).toContain('• **summarize** (workflow) — Summarizes any text');
    expect(text).toContain('Its inputs are: text (text, required), lang (fr|de), count (number).');
    expect(text).toContain('`/summarize <Text> lang=fr`');
    expect(text).toContain('• **writer** (completion) — Writer');
    expect(text).toContain('`/dify writer <Topic> formal=true`');
    expect(text).toContain('• **default** (chat)');
    expect((await t.command('help')).body).toBe(r.body);
  });

  it('caches app details for a few minutes', async () => {
    await t.command('');
    await t.command('');
    expect(dify.requests.filter((r) => r.path === '/v1/parameters' && r.headers.authorization === 'Bearer app-summarize')).toHaveLength(1);
  });

  it('answers an unknown app with the list of apps', async () => {
    const text = ackText((await t.command('nope do it')).body);
    expect(text).toMatch(/^I don't know an app called "nope"\./);
    expect(text).toContain('**summarize**');
  });
});

describe('running from the command line', () => {
  it('fills inputs from free text and key=value, runs as the Slack user, and posts the result in the channel', async () => {
    const r = await t.command('summarize The quarterly report is long. lang=de count=3');
    expect(ackText(r.body)).toBe('Running *summarize*…');
    await settled(t);
    const run = runs()[0]!;
    expect(run.body['inputs']).toEqual({ text: 'The quarterly report is long.', lang: 'de', count: 3 });
    expect(run.body['user']).toBe('slack:T1:user:UALICE');
    expect(run.body['response_mode']).toBe('streaming');
    const [msg] = slack.replies('C1', undefined);
    expect(msg!.text).toBe(
      '**summarize** · for <@UALICE> · The quarterly report is long. · lang=de · count=3\n\n' +
        '{"text":"The quarterly report is long.","lang":"de","count":3}\n\n' +
        '_⏱ 2.3 s · 1,234 tokens · 1 step · Mention <@UBOT> in this thread to chat about it._',
    );
  });

  it('accepts a JSON object', async () => {
    await t.command('summarize {"text": "hello", "lang": "fr"}');
    await settled(t);
    expect(runs()[0]!.body['inputs']).toEqual({ text: 'hello', lang: 'fr' });
  });

  it('refuses invalid values before calling Dify, saying what is expected', async () => {
    const text = ackText((await t.command('summarize some text lang=es count=lots')).body);
    expect(text).toBe('• "Language" must be one of: fr, de.\n• "Bullet count" must be a number.\n\nUsage: `/summarize <Text> lang=fr`');
    await settled(t);
    expect(runs()).toHaveLength(0);
  });

  it('runs an app from its own command', async () => {
    await t.command('short text please', { command: '/summarize' });
    await settled(t);
    expect(runs()[0]!.body['inputs']).toEqual({ text: 'short text please' });
  });

  it('tells the user a chat app is used by mention', async () => {
    expect(ackText((await t.command('default hi')).body)).toMatch(/is a chat app: mention the bot/);
  });

  it("shows Dify's code and message privately when Dify refuses the run", async () => {
    dify.apps.get('app-summarize')!.onRun = (_req, res) =>
      json(res, 400, { code: 'provider_not_initialize', message: 'No valid model provider credentials found.', status: 400 });
    const { responseId } = await t.command('summarize text');
    await settled(t);
    expect(ephemeral(responseId)).toEqual(['⚠️ Dify refused to run **summarize** (provider_not_initialize): No valid model provider credentials found.']);
    expect(slack.replies('C1', undefined)).toHaveLength(0);
  });

  it('posts the result through the response_url when the bot is not in the channel, with how to invite it', async () => {
    slack.notInChannel.add('C7');
    const { responseId } = await t.command('summarize text', { channel: 'C7' });
    await settled(t);
    const posts = slack.responsesTo(responseId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body['response_type']).toBe('in_channel');
    const text = String((posts[0]!.body['blocks'] as Array<{ text: string }>)[0]!.text);
    expect(text).toMatch(/^\*\*summarize\*\* · for <@UALICE> · text\n\n\{"text":"text"\}/);
    expect(text).toMatch(/Add <@UBOT> to this channel \(\/invite\) to see runs live\._$/);
  });
});

describe('workflow runs', () => {
  it('shows live progress (step, node, iterations), streams text chunks, then the outputs with a footer', async () => {
    const w = new WorkflowEvents();
    dify.apps.get('app-summarize')!.onRun = (_req, res) =>
      writeSse(
        res,
        [
          w.started(),
          w.nodeStarted('start', 'start', 'Start', 1),
          w.nodeFinished('start', 'start', 'Start', 1),
          w.nodeStarted('iter', 'iteration', 'Each page', 2),
          w.iterationNext(1),
          w.iterationNext(2),
          w.nodeFinished('iter', 'iteration', 'Each page', 2),
          w.nodeStarted('llm', 'llm', 'LLM', 3),
          ...tokens('A **short** summary.', 4).map((c) => w.textChunk(c)),
          w.nodeFinished('llm', 'llm', 'LLM', 3),
          w.finished('succeeded', { summary: 'A **short** summary.' }),
        ],
        120,
      );
    await t.command('summarize text');
    await settled(t);
    const [msg] = slack.replies('C1', undefined);
    const history = msg!.history.join('\n---\n');
    expect(history).toContain('⏳ summarize · step 2 · Each page · iteration 2');
    expect(history).toContain('⏳ summarize · step 3 · LLM');
    expect(msg!.history.some((h) => /⏳ summarize · step 3 · LLM\n\nA \*\*sh/.test(h))).toBe(true);
    expect(msg!.text).toBe(
      '**summarize** · for <@UALICE> · text\n\nA **short** summary.\n\n_⏱ 2.3 s · 1,234 tokens · 3 steps · Mention <@UBOT> in this thread to chat about it._',
    );
    for (let i = 1; i < msg!.updatedAt.length; i++) expect(msg!.updatedAt[i]! - msg!.updatedAt[i - 1]!).toBeGreaterThanOrEqual(80);
  });

  it('renders several outputs as labelled sections, objects as JSON, and uploads file outputs into the thread', async () => {
    const w = new WorkflowEvents();
    dify.outputFiles.set('chart', { bytes: Buffer.from('PNGDATA'), mime: 'image/png' });
    dify.apps.get('app-summarize')!.onRun = (_req, res) =>
      writeSse(res, [
        w.started(),
        w.finished('succeeded', {
          summary: 'Done.',
          stats: { words: 120, pages: [1, 2] },
          chart: {
            dify_model_identity: '__dify__file__',
            type: 'image',
            filename: 'chart.png',
            extension: '.png',
            mime_type: 'image/png',
            url: '/files/chart',
          },
        }),
      ]);
    await t.command('summarize text');
    await settled(t);
    const [msg] = slack.replies('C1', undefined);
    expect(msg!.text).toContain('**summary**\nDone.\n\n**stats**\n```json\n{\n  "words": 120,\n  "pages": [\n    1,\n    2\n  ]\n}\n```');
    const files = [...slack.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'chart.png', channel: 'C1', thread_ts: msg!.ts });
    expect(files[0]!.bytes.toString()).toBe('PNGDATA');
    // The app key is never sent with file downloads.
    expect(dify.fileAuth).toEqual([undefined]);
  });

  it('names the failed node and its error', async () => {
    const w = new WorkflowEvents();
    dify.apps.get('app-summarize')!.onRun = (_req, res) =>
      writeSse(res, [
        w.started(),
        w.nodeStarted('llm', 'llm', 'Draft', 1),
        w.nodeFinished('llm', 'llm', 'Draft', 1, 'failed', 'Model quota exceeded'),
        w.finished('failed', null, 'Model quota exceeded'),
      ]);
    await t.command('summarize text');
    await settled(t);
    expect(slack.replies('C1', undefined)[0]!.text).toBe(
      '**summarize** · for <@UALICE> · text\n\n⚠️ The workflow failed at **Draft**: Model quota exceeded\n\n_⏱ 2.3 s · 1,234 tokens · 1 step · Mention <@UBOT> in this thread to chat about it._',
    );
  });
});

describe('completion apps', () => {
  it('stream their answer like chat answers', async () => {
    const answer = 'Once upon a time, a **bridge** carried words across.';
    dify.apps.get('app-writer')!.onRun = (_req, res) => {
      const env = (event: string) => ({ event, message_id: 'm1', created_at: 1, task_id: 't1', id: 'm1' });
      return writeSse(
        res,
        [
          ...tokens(answer, 6).map((d) => ({ ...env('message'), answer: d, from_variable_selector: null })),
          { ...env('message_end'), metadata: {}, files: null },
        ],
        60,
      );
    };
    await t.command('writer a story formal=false');
    await settled(t);
    const [msg] = slack.replies('C1', undefined);
    expect(runs()[0]!.body).toMatchObject({ inputs: { topic: 'a story', formal: false }, query: '', response_mode: 'streaming' });
    expect(msg!.history.length).toBeGreaterThan(2);
    expect(msg!.text).toBe(`**writer** · for <@UALICE> · a story · formal=false\n\n${answer}\n\n_Mention <@UBOT> in this thread to chat about it._`);
  });
});

describe('input forms', () => {
  it('opens a modal built from user_input_form when the app is named alone', async () => {
    const r = await t.command('report');
    expect(r.body).toBe('');
    await slack.waitFor(() => slack.views[0], 2000, 'the modal');
    const view = slack.views[0] as {
      callback_id: string;
      blocks: Array<{ block_id: string; optional: boolean; element: Record<string, unknown> }>;
      private_metadata: string;
    };
    expect(view.callback_id).toBe('dify_inputs');
    const inputs = Object.fromEntries(view.blocks.filter((b) => b.block_id).map((b) => [b.block_id, b]));
    expect(inputs['title']!.element).toMatchObject({ type: 'plain_text_input', action_id: 'value', max_length: 40 });
    expect(inputs['notes']!.element).toMatchObject({ type: 'plain_text_input', multiline: true });
    expect(inputs['format']!.element).toMatchObject({ type: 'static_select', options: [{ value: 'pdf' }, { value: 'md' }] });
    expect(inputs['pages']!.element).toMatchObject({ type: 'number_input', is_decimal_allowed: true });
    expect(inputs['draft']!.element).toMatchObject({ type: 'checkboxes', options: [{ value: 'true' }] });
    expect(inputs['source']!.element).toMatchObject({ type: 'file_input', max_files: 1 });
    expect(inputs['images']!.element).toMatchObject({ type: 'file_input', max_files: 3 });
    expect(inputs['meta']!.element).toMatchObject({ type: 'plain_text_input', multiline: true });
    expect(inputs['title']!.optional).toBe(false);
    expect(inputs['notes']!.optional).toBe(true);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ app: 'report', channel: 'C1' });
  });

  it('opens the form with what was typed when required inputs are missing', async () => {
    await t.command('summarize lang=de');
    await slack.waitFor(() => slack.views[0], 2000, 'the modal');
    const view = slack.views[0] as { blocks: Array<{ block_id: string; element: Record<string, unknown> }> };
    const lang = view.blocks.find((b) => b.block_id === 'lang')!;
    expect(lang.element['initial_option']).toMatchObject({ value: 'de' });
    expect(runs()).toHaveLength(0);
  });

  it('returns field errors into the modal, then runs the app with the uploaded file', async () => {
    await t.command('report');
    await slack.waitFor(() => slack.views[0], 2000, 'the modal');
    const url = slack.shareFile('F_SRC', Buffer.from('%PDF-1.4 source'), 'application/pdf');
    const base = {
      title: { value: { type: 'plain_text_input', value: 'Q3' } },
      notes: { value: { type: 'plain_text_input', value: null } },
      format: { value: { type: 'static_select', selected_option: { value: 'pdf', text: { type: 'plain_text', text: 'pdf' } } } },
      draft: { value: { type: 'checkboxes', selected_options: [{ value: 'true' }] } },
      images: { value: { type: 'file_input', files: [] } },
      meta: { value: { type: 'plain_text_input', value: '{"owner": "ops"}' } },
    };
    const bad = await t.submitView({ ...base, pages: { value: { type: 'number_input', value: null } }, source: { value: { type: 'file_input', files: [] } } });
    expect(JSON.parse(bad.body)).toEqual({ response_action: 'errors', errors: { pages: 'This is required.', source: 'Please attach a file.' } });
    expect(runs()).toHaveLength(0);

    const good = await t.submitView({
      ...base,
      pages: { value: { type: 'number_input', value: '12' } },
      source: { value: { type: 'file_input', files: [{ id: 'F_SRC', name: 'source.pdf', mimetype: 'application/pdf', size: 15, url_private_download: url }] } },
    });
    expect(good.body).toBe('');
    await settled(t);
    expect(dify.uploads).toHaveLength(1);
    expect(dify.uploads[0]).toMatchObject({ filename: 'source.pdf', user: 'slack:T1:user:UALICE', key: 'app-report' });
    expect(runs()[0]!.body['inputs']).toEqual({
      title: 'Q3',
      format: 'pdf',
      pages: 12,
      draft: true,
      meta: { owner: 'ops' },
      source: { type: 'document', transfer_method: 'local_file', upload_file_id: dify.uploads[0]!.id },
    });
    expect(slack.fileAuth).toEqual([`Bearer ${slack.token}`]);
    expect(slack.replies('C1', undefined)[0]!.text).toMatch(/^\*\*report\*\* · for <@UALICE> · Q3 · format=pdf · pages=12 · draft=true/);
  });

  it('never sends the bot token to a file URL outside Slack', async () => {
    await t.command('report');
    await slack.waitFor(() => slack.views[0], 2000, 'the modal');
    const before = dify.requests.length;
    await t.submitView({
      title: { value: { type: 'plain_text_input', value: 'Q3' } },
      format: { value: { type: 'static_select', selected_option: { value: 'md' } } },
      pages: { value: { type: 'number_input', value: '1' } },
      draft: { value: { type: 'checkboxes', selected_options: [] } },
      source: {
        value: {
          type: 'file_input',
          files: [{ id: 'F_X', name: 'x.pdf', mimetype: 'application/pdf', url_private_download: `${dify.url.replace('/v1', '')}/files/steal` }],
        },
      },
    });
    await settled(t);
    await sleep(50);
    expect(dify.fileAuth).toEqual([]);
    expect(dify.requests.length).toBe(before);
    expect(runs()).toHaveLength(0);
  });

  it('offers a select of more than 100 options as a menu that searches as one types, and runs with the exact choice', async () => {
    const cities = Array.from({ length: 250 }, (_, i) => (i === 240 ? `Llanfair${'pwllgwyngyll'.repeat(16)} ${i}` : `City ${String(i).padStart(3, '0')}`));
    dify.apps.set('app-big', {
      mode: 'workflow',
      name: 'Travel',
      form: [{ select: { variable: 'city', label: 'City', type: 'select', required: true, options: cities } }],
    });
    await t.close();
    t = await startTestBridge({ slack, dify, bridgeConfig: { apps: { travel: { type: 'workflow', apiKey: 'app-big', apiUrl: dify.url } } } });
    const help = await t.command('help');
    expect(ackText(help.body)).toContain(
      'city (City 000|City 001|City 002|City 003|City 004|… 250 options, a menu that searches as you type in the form, required)',
    );
    await t.command('travel');
    const view = (await slack.waitFor(() => slack.views[0], 2000, 'the modal')) as {
      blocks: Array<{ block_id: string; element: Record<string, unknown> }>;
      private_metadata: string;
    };
    const city = view.blocks.find((b) => b.block_id === 'city')!;
    expect(city.element).toMatchObject({ type: 'external_select', action_id: 'dify_options', min_query_length: 0 });
    // Slack asks for the options as the person types.
    const suggest = (value: string) =>
      t.interact({
        type: 'block_suggestion',
        user: { id: 'UALICE', team_id: 'T1' },
        team: { id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy',
        container: { type: 'view', view_id: 'V1' },
        action_id: 'dify_options',
        block_id: 'city',
        value,
        view: { id: 'V1', type: 'modal', ...view },
      });
    const all = JSON.parse((await suggest('')).body) as { options: Array<{ text: { text: string }; value: string }> };
    expect(all.options).toHaveLength(100);
    const some = JSON.parse((await suggest('city 24')).body) as { options: Array<{ text: { text: string }; value: string }> };
    expect(some.options.map((o) => o.value)).toEqual(Array.from({ length: 9 }, (_, i) => `City ${241 + i}`));
    const long = JSON.parse((await suggest('pwll')).body) as { options: Array<{ text: { text: string }; value: string }> };
    expect(long.options).toEqual([{ text: { type: 'plain_text', text: `${cities[240]!.slice(0, 74)}…` }, value: '#240' }]);
    // Option 201 and the long one, beyond what a static menu could hold, both run exactly.
    await t.submitView({ city: { dify_options: { type: 'external_select', selected_option: { value: 'City 201' } } } }, { view });
    await t.submitView({ city: { dify_options: { type: 'external_select', selected_option: { value: '#240' } } } }, { view });
    await settled(t);
    expect(runs().map((r) => (r.body['inputs'] as Record<string, unknown>)['city'])).toEqual(['City 201', cities[240]]);
  });
});
