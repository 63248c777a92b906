import type { App } from '@slack/bolt';
import { TurnTaker } from '../../core/turn-taker.js';

/** What an Events API delivery says about where it comes from (Bolt's context, or the front door's). */
export interface EventContext {
  teamId?: string | undefined;
  botUserId?: string | undefined;
  retryNum?: number | undefined;
}

/** One event, as a handler gets it: the same names as Bolt's listener arguments. */
export interface EventArgs {
  event: Record<string, unknown> & { type: string };
  body: { team_id?: unknown } & Record<string, unknown>;
  context: EventContext;
}

export type EventHandler = (args: EventArgs) => Promise<void>;

/**
 * The chat events every streaming answer sets off (mentions, messages and the bot's own edits
 * coming back as message_changed), by type. The front door hands them over without Bolt's
 * middleware chain, which for each delivery runs every listener's matchers; Bolt gets one
 * listener per type for whatever reaches it (Socket Mode, or a delivery the front door passes on).
 */
export class EventRouter {
  private readonly handlers = new Map<string, EventHandler[]>();

  /** Deliveries that come in a burst start one per turn of the event loop (see TurnTaker). */
  constructor(private readonly turns = new TurnTaker()) {}

  on(type: string, handler: EventHandler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  handles(type: string): boolean {
    return this.handlers.has(type);
  }

  /** Runs the type's handlers one after the other, as Bolt runs listeners: each one's failure is its own. */
  async dispatch(args: EventArgs): Promise<void> {
    await this.turns.turn();
    const failures: unknown[] = [];
    for (const handler of this.handlers.get(args.event.type) ?? []) {
      try {
        await handler(args);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} handlers of ${args.event.type} failed`);
  }

  /** The same handlers behind Bolt, for deliveries that reach it. */
  attach(app: App): void {
    for (const type of this.handlers.keys()) {
      app.event(type, ({ event, body, context }) => this.dispatch({ event: event as EventArgs['event'], body: body, context }));
    }
  }
}
