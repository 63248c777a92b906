import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { RunRegistry } from '../../core/runs/run-registry.js';
import { STOP_ACTION, stopValueSchema } from '../blocks/answer-controls.js';

/** Stop pressed: the run ends at once (its message then shows "(stopped)"). */
export function registerStopAnswer(app: App, runs: RunRegistry, logger: Logger): void {
  app.action<BlockAction<ButtonAction>>(STOP_ACTION, async ({ ack, action, body, respond }) => {
    await ack();
    let value;
    try {
      value = stopValueSchema.parse(JSON.parse(action.value ?? ''));
    } catch {
      return;
    }
    const allowed = await runs.requestStop(value.r, value.a, body.user.id);
    if (!allowed) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: `Only <@${value.a}>, who asked, can stop this answer.` }).catch(
        () => undefined,
      );
      return;
    }
    logger.info({ run: value.r, user: body.user.id }, 'stop pressed');
  });
}
