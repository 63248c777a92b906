import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { BodyTooLarge, readBody } from '../http-body.js';
import type { EventContext, EventRouter } from './events/event-router.js';
import type { RequestObserver } from './observe-requests.js';

/** Bolt's limit for a request body, kept so that both doors refuse the same. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Slack's rule: a signature older than five minutes is a replay. */
const MAX_AGE_SECONDS = 5 * 60;

export interface FrontDoorDeps {
  signingSecret: string;
  /** Where Slack posts events (Bolt's endpoint). */
  eventsPath: string;
  events: EventRouter;
  /** Who the bot is in a delivery's workspace; undefined: not installed there (Bolt's authorize fails the same way). */
  contextFor(teamId: string): Promise<EventContext | undefined>;
  observe: RequestObserver;
  /** Our own routes (the extension, health, metrics), served here without Bolt's pattern matching. */
  routes: CustomRoute[];
  logger: Logger;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP server's first listener, before Bolt's. Every streaming answer makes Slack send
 * several events (the mention, then each edit back as message_changed), and Dify calls the
 * extension for every message, so these two take the short way: a signed chat event is
 * acknowledged and handed to its handlers without Bolt's middleware chain, and our routes
 * are matched by exact path. Everything else (interactivity, commands, OAuth, a request that
 * fails verification) goes to Bolt as it came, with the body already read.
 */
export function installFrontDoor(server: Server, deps: FrontDoorDeps): void {
  const bolt = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  const next: Listener = (req, res) => {
    for (const l of bolt) l.call(server, req, res);
  };
  const routes = new Map<string, CustomRoute['handler']>();
  for (const r of deps.routes) {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) routes.set(`${m.toUpperCase()} ${r.path}`, r.handler);
  }
  const handle = chatEvents(deps);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = routes.get(`${req.method ?? 'GET'} ${path}`);
    if (route) return void route(Object.assign(req, { params: {} }), res);
    // Bolt checks a signature's age in one direction only: a delivery dated ahead is refused here.
    if (req.method === 'POST' && datedAhead(req)) return void res.writeHead(401).end();
    if (req.method === 'POST' && path === deps.eventsPath && isJson(req)) return void handle(req, res, next);
    next(req, res);
  });
}

/** A Slack timestamp more than five minutes ahead of our clock (a signature made for later use). */
export function datedAhead(req: IncomingMessage, nowMs = Date.now()): boolean {
  const ts = Number(req.headers['x-slack-request-timestamp']);
  return Number.isFinite(ts) && ts - Math.floor(nowMs / 1000) > MAX_AGE_SECONDS;
}

const isJson = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/json';

function chatEvents(deps: FrontDoorDeps): (req: IncomingMessage, res: ServerResponse, next: Listener) => Promise<void> {
  return async (req, res, next) => {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      // A client that left mid-body has no one to answer.
      if (err instanceof BodyTooLarge && !res.headersSent) res.writeHead(413).end();
      return;
    }
    const passOn = () => next(Object.assign(req, { rawBody: raw }), res);
    const text = raw.toString('utf8');
    if (!signedBySlack(req, text, deps.signingSecret)) return passOn();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return passOn();
    }
    const event = body['event'] as Record<string, unknown> | undefined;
    // Bolt's rule: the first authorization's team, else the delivery's.
    const authorizations = body['authorizations'];
    const authorized = Array.isArray(authorizations) ? (authorizations[0] as { team_id?: unknown } | undefined)?.team_id : undefined;
    const teamId = typeof authorized === 'string' ? authorized : body['team_id'];
    if (
      body['type'] !== 'event_callback' ||
      !event ||
      typeof event !== 'object' ||
      typeof event['type'] !== 'string' ||
      !deps.events.handles(event['type']) ||
      typeof teamId !== 'string' ||
      body['is_enterprise_install'] === true
    )
      return passOn();
    // Events are acknowledged before they are handled, as Bolt does: Slack retries after 3 s.
    res.writeHead(200).end();
    const retry = Number(req.headers['x-slack-retry-num']);
    const retryNum = Number.isInteger(retry) ? retry : undefined;
    try {
      await deps.observe(body, retryNum, async () => {
        const context = await deps.contextFor(teamId);
        if (!context) {
          deps.logger.warn({ team: teamId }, 'Authorization of incoming event did not succeed. No listeners will be called.');
          return;
        }
        await deps.events.dispatch({ event: event as { type: string } & Record<string, unknown>, body, context: { ...context, retryNum } });
      });
    } catch {
      // Logged by the observer, with what the request was.
    }
  };
}

/** Slack's v0 signature over the timestamp and the body, compared in constant time. */
export function signedBySlack(req: IncomingMessage, body: string, secret: string, nowMs = Date.now()): boolean {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !secret) return false;
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(Math.floor(nowMs / 1000) - ts) > MAX_AGE_SECONDS) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
