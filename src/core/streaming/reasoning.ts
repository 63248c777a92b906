/**
 * Reasoning models in Dify's "tagged" format (the default for an LLM node) stream their
 * thinking inside the answer, as a leading `<think>…</think>`. It is split off as it arrives,
 * so the answer text never shows it; chunks may cut a tag anywhere.
 */
export interface ThinkSplit {
  /** The answer so far, without the reasoning. */
  text: string;
  reasoning: string;
  /** Inside <think> (its end not seen yet). */
  open: boolean;
  /** The start of a tag not complete yet (held until the next chunk says what it is). */
  held: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

export const emptySplit = (): ThinkSplit => ({ text: '', reasoning: '', open: false, held: '' });

/** The longest end of `s` that is the start of `tag` (a tag cut by a chunk boundary). */
function partialTagAtEnd(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) if (tag.startsWith(s.slice(-n))) return n;
  return 0;
}

/** Folds one chunk of answer text in. */
export function addChunk(split: ThinkSplit, chunk: string): ThinkSplit {
  let s = split.held + chunk;
  let { text, reasoning, open } = split;
  let held = '';
  for (;;) {
    if (!open) {
      // Only a leading <think> is reasoning; later ones are the answer's own text.
      if (reasoning === '' && (text === '' || (text.length < 16 && text.trim() === ''))) {
        const lead = s.trimStart();
        if (lead.startsWith(OPEN)) {
          open = true;
          s = lead.slice(OPEN.length);
          text = '';
          continue;
        }
        if (lead.length > 0 && OPEN.startsWith(lead)) {
          held = s;
          break;
        }
      }
      // The blank lines between the reasoning and the answer are neither.
      text += reasoning !== '' && text === '' ? s.replace(/^\s+/, '') : s;
      break;
    }
    const end = s.indexOf(CLOSE);
    if (end >= 0) {
      reasoning += s.slice(0, end);
      open = false;
      s = s.slice(end + CLOSE.length).replace(/^\s+/, '');
      continue;
    }
    const cut = partialTagAtEnd(s, CLOSE);
    reasoning += s.slice(0, s.length - cut);
    held = s.slice(s.length - cut);
    break;
  }
  return { text, reasoning, open, held };
}

/** A whole answer at once (message_replace, an agent's closing message, a run's output). */
export function splitWhole(whole: string): ThinkSplit {
  const split = addChunk(emptySplit(), whole);
  // Nothing more comes: what was held back is text after all.
  return split.held ? { ...split, text: split.open ? split.text : split.text + split.held, held: '' } : split;
}
