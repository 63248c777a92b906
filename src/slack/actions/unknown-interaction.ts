import type { App, BlockAction } from '@slack/bolt';
import type { Logger } from 'pino';

/** The action ids and callback ids the bridge's own listeners take. */
export interface HandledInteractions {
  actions: ReadonlyArray<string | RegExp>;
  views: ReadonlyArray<string | RegExp>;
  options: ReadonlyArray<string | RegExp>;
  /** Callback ids of shortcuts (global and message) the bridge serves. */
  shortcuts: ReadonlyArray<string | RegExp>;
}

const matches = (id: string, known: ReadonlyArray<string | RegExp>) => known.some((k) => (typeof k === 'string' ? k === id : k.test(id)));

/**
 * Slack wants a 2xx within 3 s for every interaction, or it shows the person a failure. Bolt
 * answers 404 for one no listener acknowledged (a button of an older release, of an ephemeral
 * message, a modal the bridge did not open): these are acknowledged here, logged at debug, and
 * a button's presser is told privately what to do.
 */
export function registerUnknownInteractions(app: App, handled: HandledInteractions, logger: Logger): void {
  app.action<BlockAction>(/.*/, async ({ ack, action, body, respond }) => {
    const id = 'action_id' in action ? action.action_id : '';
    if (matches(id, handled.actions)) return;
    await ack();
    // Bolt types a container on every block_actions; a payload from elsewhere may lack it.
    const container = (body as { container?: { type?: string; is_ephemeral?: boolean } }).container;
    logger.debug({ action_id: id, container: container?.type }, 'an interaction the bridge does not handle was acknowledged');
    const onMessage = container?.type === 'message' || container?.type === 'ephemeral_message' || container?.is_ephemeral === true;
    if (onMessage && body.response_url) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This button belongs to an older answer and no longer works; ask again.',
      }).catch(() => undefined);
    }
  });
  app.view(/.*/, async ({ ack, view }) => {
    if (matches(view.callback_id, handled.views)) return;
    await ack();
    logger.debug({ callback_id: view.callback_id }, 'a modal the bridge did not open was submitted; acknowledged');
  });
  app.options(/.*/, async ({ ack, body }) => {
    const id = 'action_id' in body ? String(body.action_id) : '';
    if (matches(id, handled.options)) return;
    await ack({ options: [] });
    logger.debug({ action_id: id }, 'options asked for a menu the bridge does not serve');
  });
  app.shortcut(/.*/, async ({ ack, shortcut }) => {
    if (matches(shortcut.callback_id, handled.shortcuts)) return;
    await ack();
    logger.debug({ callback_id: shortcut.callback_id }, 'a shortcut the bridge does not serve was acknowledged');
  });
}
