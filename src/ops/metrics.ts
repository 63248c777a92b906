import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FetchFunction } from '@slack/web-api';
import type { RunObserver } from '../core/ports.js';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];
const STORE_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * The bridge's Prometheus metrics, in a registry of its own (several bridges can share a
 * process in tests). Served as text at GET /metrics.
 */
export class BridgeMetrics implements RunObserver {
  readonly registry = new Registry();
  readonly eventsReceived = new Counter({
    name: 'bridge_slack_requests_total',
    help: 'Slack deliveries received, by type (event type, slash_command, block_actions, view_submission…)',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly eventsDeduplicated = new Counter({
    name: 'bridge_slack_messages_deduplicated_total',
    help: 'Deliveries of a message already being answered (Slack retries, app_mention + message pairs)',
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'bridge_refusals_total',
    help: 'Requests the access policy refused, by reason (user, channel, guest, external, unknown_user, quota_user, quota_channel, dms)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly questionsNotTaken = new Counter({
    name: 'bridge_questions_not_taken_total',
    help: 'Questions the bridge could not take (reason: store, when the store did not answer); each asker was told to ask again',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly difyRuns = new Counter({
    name: 'bridge_dify_runs_total',
    help: 'Dify runs by app, kind (chat, workflow, completion) and outcome',
    labelNames: ['app', 'kind', 'outcome'],
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'bridge_dify_run_seconds',
    help: 'Duration of Dify runs, from the request to the final Slack message',
    labelNames: ['app', 'kind'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly firstTokenSeconds = new Histogram({
    name: 'bridge_dify_first_token_seconds',
    help: 'From the request to Dify to its first answer content',
    labelNames: ['app'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly firstTextSeconds = new Histogram({
    name: 'bridge_slack_first_text_seconds',
    help: 'From the request to Dify to the first answer text visible in Slack',
    labelNames: ['app'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly slackCalls = new Counter({
    name: 'bridge_slack_api_calls_total',
    help: 'Slack Web API calls by method and HTTP status class',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  });
  readonly slackRateLimited = new Counter({
    name: 'bridge_slack_api_rate_limited_total',
    help: 'Slack Web API calls answered 429, by method',
    labelNames: ['method'],
    registers: [this.registry],
  });
  readonly storeSeconds = new Histogram({
    name: 'bridge_store_operation_seconds',
    help: "Store operation latency by operation (waits for a thread's turn excluded)",
    labelNames: ['op'],
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  constructor(activeRuns: () => { chat: number; command: number; resumed: number }) {
    new Gauge({
      name: 'bridge_active_runs',
      help: 'Answers and command runs streaming or waiting for their turn (resumed: workflow runs going on after a pause or re-attach)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const now = activeRuns();
        this.set({ kind: 'chat' }, now.chat);
        this.set({ kind: 'command' }, now.command);
        this.set({ kind: 'resumed' }, now.resumed);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'bridge_' });
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  notTaken(reason: string): void {
    this.questionsNotTaken.inc({ reason });
  }

  deduplicated(): void {
    this.eventsDeduplicated.inc();
  }

  runFinished(run: { kind: string; app: string; outcome: string; ms: number }): void {
    this.difyRuns.inc({ app: run.app, kind: run.kind, outcome: run.outcome });
    this.runSeconds.observe({ app: run.app, kind: run.kind }, run.ms / 1000);
  }

  firstToken(app: string, ms: number): void {
    this.firstTokenSeconds.observe({ app }, ms / 1000);
  }

  firstText(app: string, ms: number): void {
    this.firstTextSeconds.observe({ app }, ms / 1000);
  }

  /** A fetch for Slack's Web API client that counts each call by method and status. */
  slackFetch(inner: FetchFunction = (url, init) => fetch(url, init)): FetchFunction {
    return async (input, init) => {
      // Web API URLs end in the method name: …/api/chat.postMessage
      const url = typeof input === 'string' ? input : input.href;
      const method = /\/([a-zA-Z]+(?:\.[a-zA-Z]+)+)(?:\?|$)/.exec(url)?.[1] ?? 'other';
      try {
        const res = await inner(input, init);
        this.slackCalls.inc({ method, status: `${Math.floor(res.status / 100)}xx` });
        if (res.status === 429) this.slackRateLimited.inc({ method });
        return res;
      } catch (err) {
        this.slackCalls.inc({ method, status: 'network_error' });
        throw err;
      }
    };
  }

  /** The store, with each operation's latency observed (wrappers made once per operation). */
  timedStore<T extends object>(store: T, untimed: ReadonlySet<string> = new Set(['waitTurn', 'close'])): T {
    const seconds = this.storeSeconds;
    const wrapped = new Map<string | symbol, unknown>();
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        let fn = wrapped.get(prop);
        if (!fn) {
          const method = value as (...a: unknown[]) => unknown;
          if (typeof prop !== 'string' || untimed.has(prop)) fn = method.bind(target);
          else {
            // The labelled child is found once: startTimer({op}) hashes the labels on every call.
            const observed = seconds.labels({ op: prop });
            fn = (...args: unknown[]) => {
              const started = performance.now();
              const end = () => observed.observe((performance.now() - started) / 1000);
              const result = method.apply(target, args);
              if (result instanceof Promise) return result.finally(end);
              end();
              return result;
            };
          }
          wrapped.set(prop, fn);
        }
        return fn;
      },
    });
  }
}
