import { SinkUnavailable, type AnswerControls, type AnswerSink } from '../ports.js';

/** Said when a step's workflow pauses for a person and the step names nobody to ask. */
export const NOWHERE_TO_ASK =
  'The Dify workflow is waiting for a person (a Human Input form), but the step names nobody to ask: set its "Ask in" channel or its "Run for" person in Workflow Builder.';

/**
 * A Workflow Builder step's run shows nothing while it runs (the workflow around it is what
 * people see). Only a pause for a person makes it speak: from then on, everything goes to
 * `inner` (the channel or DM the step names), starting with the paused state and its form.
 * Without `inner` there is nobody to ask, and the show fails as a sink nobody can see.
 */
export function quietUntilAsked(inner: AnswerSink | undefined, nowhere: string): AnswerSink {
  let loud = false;
  return {
    async show(markdown, final, live) {
      if (!loud) return;
      if (!inner) throw new SinkUnavailable('nowhere_to_ask', nowhere);
      await inner.show(markdown, final, live);
    },
    setControls(controls: AnswerControls) {
      if (controls.waiting === true || (controls.forms?.length ?? 0) > 0) loud = true;
      if (loud) inner?.setControls?.(controls);
    },
    async attachFiles(files) {
      if (loud) await inner?.attachFiles?.(files);
    },
    messages: () => inner?.messages?.() ?? [],
    speakAs: (persona) => inner?.speakAs?.(persona),
  };
}
