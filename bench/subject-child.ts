/**
 * What a chat benchmark measures, in a process of its own: the bridge (its real server) or the
 * limit reference, so CPU, memory and event-loop figures are the subject's alone, each from a
 * fresh process. Driven over IPC by bench/chat.ts; the fakes run in another child.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pino } from 'pino';
import { startBridge } from '../src/bridge.js';
import { loadConfig } from '../src/config/load.js';
import { startReference } from './reference.js';

export interface SubjectUrls {
  slack: string;
  dify: string;
  token: string;
  difyKey: string;
}

export interface Measured {
  cpuMs: number;
  /** Of cpuMs, the kernel's part (system calls: socket reads and writes). */
  systemCpuMs: number;
  rssPeakMiB: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

interface Running {
  port: number;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

// The bridge's warnings go to bench/results/logs/<pid>.log (to see why a run lost an answer); BENCH_LOG=LEVEL to stderr.
const logDir = fileURLToPath(new URL('./results/logs/', import.meta.url));
mkdirSync(logDir, { recursive: true });
const silent = process.env['BENCH_LOG']
  ? pino({ level: process.env['BENCH_LOG'] }, process.stderr)
  : pino({ level: 'warn' }, pino.destination({ dest: `${logDir}${process.pid}.log`, sync: false }));
let subject: Running | undefined;
let cpu = process.cpuUsage();
let delay: IntervalHistogram | undefined;
let rssPeak = 0;
let sampler: NodeJS.Timeout | undefined;
let profiler: Session | undefined;

async function start(kind: 'bridge' | 'reference', urls: SubjectUrls, env: Record<string, string>): Promise<Running> {
  const intervalMs = Number(env['STREAM_INTERVAL_MS'] ?? 1000);
  if (kind === 'reference') return startReference({ slackUrl: urls.slack, token: urls.token, difyUrl: urls.dify, difyKey: urls.difyKey, intervalMs });
  const r = loadConfig({
    SLACK_BOT_TOKEN: urls.token,
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    SLACK_API_URL: urls.slack,
    DIFY_API_URL: urls.dify,
    DIFY_API_KEY: urls.difyKey,
    STORE_URL: 'memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    STREAM_MODE: 'edit',
    SLACK_EDITS_PER_MINUTE: '100000',
    ...env,
  });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  const bridge = await startBridge(r.config, silent);
  return { port: bridge.port, idle: () => bridge.idle(), stop: () => bridge.stop() };
}

process.on('message', (raw: unknown) => {
  const msg = raw as { id: number; type: string; [k: string]: unknown };
  const reply = (body: unknown) => process.send!({ id: msg.id, body });
  void (async () => {
    switch (msg.type) {
      case 'start':
        subject = await start(msg['kind'] as 'bridge' | 'reference', msg['urls'] as SubjectUrls, msg['env'] as Record<string, string>);
        return reply({ port: subject.port });
      case 'measure-start':
        cpu = process.cpuUsage();
        delay = monitorEventLoopDelay({ resolution: 10 });
        delay.enable();
        rssPeak = process.memoryUsage().rss;
        sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
        return reply(true);
      // The workload's CPU profile, without start-up and warm-up (V8's sampling profiler, 1 ms).
      case 'profile-start':
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
        await profiler.post('Profiler.start');
        return reply(true);
      case 'profile-stop': {
        const { profile } = await profiler!.post('Profiler.stop');
        writeFileSync(String(msg['path']), JSON.stringify(profile));
        profiler!.disconnect();
        return reply(true);
      }
      case 'idle':
        // A moment for deliveries in flight to start their runs, then until every run is over.
        await new Promise((r) => setTimeout(r, 100));
        await subject?.idle();
        return reply(true);
      case 'measure-stop': {
        const used = process.cpuUsage(cpu);
        clearInterval(sampler);
        delay?.disable();
        const measured: Measured = {
          cpuMs: (used.user + used.system) / 1000,
          systemCpuMs: used.system / 1000,
          rssPeakMiB: Math.round(Math.max(rssPeak, process.memoryUsage().rss) / 2 ** 20),
          eventLoopDelayP99Ms: (delay?.percentile(99) ?? 0) / 1e6,
          eventLoopDelayMaxMs: (delay?.max ?? 0) / 1e6,
        };
        return reply(measured);
      }
      case 'stop':
        await subject?.stop().catch(() => undefined);
        reply(true);
        setTimeout(() => process.exit(0), 50);
        return;
    }
  })();
});
process.send!({ id: 0, body: 'ready' });
