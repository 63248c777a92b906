import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { describeError } from '../../core/log-fields.js';
import type { RunFollower } from '../../core/runs/run-follower.js';
import { FORM_ACTIONS, formValueSchema } from '../blocks/answer-controls.js';
import { parseJson } from '../parse-json.js';
import { humanInputModal } from '../views/human-input-modal.js';

/**
 * A Human Input form's button: the core checks who may answer and whether the form is still
 * open; a form with inputs opens its modal (on the press's trigger, within 3 seconds), one
 * without is answered at once. Refusals are private lines; the answer itself goes on in the message.
 */
export function registerAnswerForm(app: App, follower: RunFollower, logger: Logger): void {
  app.action<BlockAction<ButtonAction>>(FORM_ACTIONS, async ({ ack, action, body, client, respond }) => {
    await ack();
    const value = formValueSchema.safeParse(parseJson(action.value));
    if (!value.success) return;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => undefined);
    const press = { teamId, userId: body.user.id, runId: value.data.r, pause: value.data.p, index: value.data.f, actionId: value.data.a };
    try {
      const result = await follower.press(press);
      if (result.kind === 'modal') {
        await client.views.open({ trigger_id: body.trigger_id, view: humanInputModal(result.form, body.channel?.id ?? '') });
      } else if (result.kind === 'refused' || result.kind === 'rejected') {
        await tell(result.markdown);
      }
    } catch (err) {
      logger.warn({ err: describeError(err), run: press.runId }, 'could not answer a Human Input form');
      await tell('⚠️ Could not send the answer to Dify; please try again.');
    }
  });
}
