import { describe, expect, it } from 'vitest';
import { fillInputs, splitCommand } from '../../src/core/commands/command-input.js';
import { freeTextField, parseInputForm } from '../../src/core/commands/input-form.js';

const fields = parseInputForm([
  { paragraph: { variable: 'text', label: 'Text', required: true, max_length: 200 } },
  { select: { variable: 'lang', label: 'Language', required: false, options: ['fr', 'de'] } },
  { number: { variable: 'count', label: 'Count', required: false } },
  { checkbox: { variable: 'formal', label: 'Formal', required: false } },
  { 'text-input': { variable: 'title', label: 'Title', required: false, max_length: 10 } },
  { external_data_tool: { variable: 'weather', label: 'Weather', required: false } },
  { 'brand-new-control': { variable: 'x' } },
]);

describe('parseInputForm', () => {
  it('normalises the controls Dify documents, and skips unknown ones and external data', () => {
    expect(fields.map((f) => [f.variable, f.type, f.required])).toEqual([
      ['text', 'paragraph', true],
      ['lang', 'select', false],
      ['count', 'number', false],
      ['formal', 'checkbox', false],
      ['title', 'text-input', false],
    ]);
    expect(fields[0]!.maxLength).toBe(200);
    expect(fields[1]!.options).toEqual(['fr', 'de']);
  });

  it('sends free text to the single text input, else the first required one', () => {
    expect(freeTextField(fields)?.variable).toBe('text');
    expect(
      freeTextField(parseInputForm([{ 'text-input': { variable: 'a', required: false } }, { paragraph: { variable: 'b', required: false } }])),
    ).toBeUndefined();
    expect(freeTextField(parseInputForm([{ 'text-input': { variable: 'only', required: false } }]))?.variable).toBe('only');
  });
});

describe('fillInputs', () => {
  it('splits the app name from the rest', () => {
    expect(splitCommand('  summarize  the   text ')).toEqual({ app: 'summarize', rest: 'the   text' });
    expect(splitCommand('')).toEqual({ rest: '' });
  });

  it('reads key=value pairs (quoted too, smart quotes included) and free text', () => {
    const r = fillInputs(fields, 'Summarize this please lang=de count=3 title="Big News" formal=yes');
    expect(r).toEqual({ inputs: { text: 'Summarize this please', lang: 'de', count: 3, title: 'Big News', formal: true }, missing: [], errors: [] });
    expect(fillInputs(fields, 'x title=“Hi there”').inputs['title']).toBe('Hi there');
    expect(fillInputs(fields, "x title='a \\' b'").inputs['title']).toBe("a ' b");
  });

  it('keeps x=y inside a sentence as text', () => {
    expect(fillInputs(fields, 'solve x=2 for y').inputs).toEqual({ text: 'solve x=2 for y' });
  });

  it('accepts a JSON object', () => {
    expect(fillInputs(fields, '{"text": "hello", "count": 2, "lang": "fr"}')).toEqual({
      inputs: { text: 'hello', count: 2, lang: 'fr' },
      missing: [],
      errors: [],
    });
    expect(fillInputs(fields, '{"text": ').errors).toEqual(['The inputs look like JSON but are not valid JSON.']);
    expect(fillInputs(fields, '{"nope": 1}').errors[0]).toMatch(/^Unknown input "nope"/);
  });

  it('checks values against the form before Dify is called', () => {
    expect(fillInputs(fields, 'x lang=es').errors).toEqual(['"Language" must be one of: fr, de.']);
    expect(fillInputs(fields, 'x count=many').errors).toEqual(['"Count" must be a number.']);
    expect(fillInputs(fields, 'x formal=maybe').errors).toEqual(['"Formal" must be true or false.']);
    expect(fillInputs(fields, 'x title="far too long"').errors).toEqual(['"Title" is too long (12 characters; at most 10).']);
    expect(fillInputs(fields, 'lang=fr tone=dry').errors[0]).toMatch(/^Unknown input "tone"\. Its inputs are: text \(text, required\), lang \(fr\|de\)/);
    expect(fillInputs(fields, 'hello text=again').errors).toEqual(['"text" is given twice (as text=… and as free text).']);
  });

  it('reports required inputs that are missing', () => {
    expect(fillInputs(fields, 'lang=fr').missing.map((f) => f.variable)).toEqual(['text']);
  });
});
