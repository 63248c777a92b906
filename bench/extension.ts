import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeSlack } from '../test/support/fake-slack.js';
import { Moderator } from '../src/extension/moderation.js';
import { median, percentile, processCpuSeconds } from './machine.js';

export interface ExtensionResult {
  /** The bridge, or the limit reference (bench/extension-reference.ts: a bare Node HTTP server). */
  subject: 'bridge' | 'reference';
  point: string;
  /** Dify opens a new connection per call; keep-alive shows the route's own cost. */
  connection: 'new' | 'keep-alive';
  ratePerSecond: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Process CPU per call, in milliseconds (from /proc, 10 ms resolution over the run). */
  cpuMsPerCall: number;
  /** Where the point was measured in several runs: the figures above are medians, these the ranges. */
  spread?: { runs: number; p50Ms: [number, number]; p99Ms: [number, number]; cpuMsPerCall: [number, number] };
}

const KEY = 'bench-extension-key';
const TEXTS = [
  'The deployment finished without errors; the new build is live in all three regions now.',
  'Contact me at ops@example.com or use the token xoxb-111111111111-abcdefghijkl for the webhook.',
  'Quarterly numbers look strong: revenue is up 12% and churn is down to 2.1% this quarter.',
];

async function startBridge(slackUrl: string, profileDir?: string): Promise<{ child: ChildProcess; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ext-'));
  const config = join(dir, 'bridge.json');
  writeFileSync(
    config,
    JSON.stringify({
      apps: { bot: { type: 'chat', apiKey: 'app-bench', apiUrl: 'http://127.0.0.1:9/v1' } },
      moderation: {
        block: [{ keywords: ['project falcon', 'merger'], patterns: ['salary of \\w+'], response: 'I cannot discuss that.' }],
        redact: { presets: ['slack_tokens', 'api_keys', 'emails', 'card_numbers'], patterns: ['\\b\\d{3}-\\d{2}-\\d{4}\\b'] },
      },
    }),
  );
  return startChild(
    '../src/main.ts',
    {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_API_URL: slackUrl,
      BRIDGE_CONFIG: config,
      STORE_URL: 'memory:',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    profileDir,
  );
}

/** A server in a child process under tsx (as `npm start` runs the bridge), once it says its port. */
async function startChild(script: string, env: Record<string, string>, profileDir?: string, name = 'bridge'): Promise<{ child: ChildProcess; port: number }> {
  const main = fileURLToPath(new URL(script, import.meta.url));
  // One profile per thread (tsx's loader runs in a worker): the largest is the server's own.
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${name}-extension`)}`] : [];
  const child = spawn(process.execPath, [...profiling, '--import', import.meta.resolve('tsx'), main], {
    env: { PATH: process.env['PATH'] ?? '', EXTENSION_API_KEY: KEY, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /HTTP on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`bridge exited (${code})`)));
  });
  return { child, port };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/** One call; on a new connection by default, as Dify's requestor does (a fresh httpx.Client per call). */
function callOnce(port: number, body: string, connection: 'new' | 'keep-alive'): Promise<{ ms: number; ok: boolean }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/dify/receive',
        method: 'POST',
        agent: connection === 'new' ? false : keepAlive,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, ok: res.statusCode === 200 }));
      },
    );
    req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, ok: false }));
    req.end(body);
  });
}

/** Open-loop load: requests start on schedule whether or not earlier ones have answered. */
async function load(
  port: number,
  bodies: string[],
  rate: number,
  seconds: number,
  connection: 'new' | 'keep-alive' = 'new',
): Promise<{ latencies: number[]; errors: number }> {
  const total = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const pending: Array<Promise<void>> = [];
  const start = Date.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      callOnce(port, bodies[i % bodies.length]!, connection).then((r) => {
        latencies.push(r.ms);
        if (!r.ok) errors++;
      }),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

/**
 * `profileDir`: the bridge writes a CPU profile there when it exits (node --cpu-prof). The headline point
 * (moderation.output on a new connection) is measured in `repeats` rounds, the bridge and the reference
 * taking turns, and reported as medians; the other points once.
 */
export async function benchExtension(options: { rate?: number; seconds?: number; repeats?: number; profileDir?: string } = {}): Promise<ExtensionResult[]> {
  const rate = options.rate ?? 500;
  const seconds = options.seconds ?? 10;
  const repeats = options.repeats ?? 3;
  const slack = await new FakeSlack().start();
  const bridge = await startBridge(slack.url, options.profileDir);
  const reference = await startChild('./extension-reference.ts', {}, options.profileDir, 'reference');
  const results: ExtensionResult[] = [];
  const points: Array<[string, string[]]> = [
    ['app.moderation.output', TEXTS.map((text) => JSON.stringify({ point: 'app.moderation.output', params: { app_id: 'bench', text } }))],
    [
      'app.moderation.input',
      TEXTS.map((query) => JSON.stringify({ point: 'app.moderation.input', params: { app_id: 'bench', inputs: { topic: 'q3' }, query } })),
    ],
    ['ping', [JSON.stringify({ point: 'ping', params: {} })]],
  ];
  const measure = async (subject: ExtensionResult['subject'], point: string, bodies: string[], connection: 'new' | 'keep-alive') => {
    const { child, port } = subject === 'bridge' ? bridge : reference;
    const cpuBefore = processCpuSeconds(child.pid!);
    const { latencies, errors } = await load(port, bodies, rate, seconds, connection);
    const cpu = processCpuSeconds(child.pid!) - cpuBefore;
    return {
      subject,
      point,
      connection,
      ratePerSecond: rate,
      requests: latencies.length,
      errors,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.at(-1) ?? NaN),
      cpuMsPerCall: round((cpu * 1000) / latencies.length),
    };
  };
  try {
    // Warm-up of every point on both connection paths, so the first point measured does not pay for JIT
    // and the others' code.
    for (const { port } of [bridge, reference]) {
      for (const [, bodies] of points) await load(port, bodies, 200, 1);
      await load(port, points[0]![1], 200, 1, 'keep-alive');
    }
    const [headline, headlineBodies] = points[0]!;
    const rounds = { bridge: [] as ExtensionResult[], reference: [] as ExtensionResult[] };
    for (let i = 0; i < repeats; i++) {
      for (const subject of ['bridge', 'reference'] as const) rounds[subject].push(await measure(subject, headline, headlineBodies, 'new'));
    }
    results.push(medianOf(rounds.bridge), medianOf(rounds.reference));
    for (const [point, bodies] of points.slice(1)) results.push(await measure('bridge', point, bodies, 'new'));
    results.push(await measure('bridge', headline, headlineBodies, 'keep-alive'));
  } finally {
    await Promise.all(
      [bridge.child, reference.child].map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
    );
    for (const name of options.profileDir ? ['bridge', 'reference'] : []) {
      keepLargestProfile(join(options.profileDir!, `${name}-extension`), join(options.profileDir!, `${name}-extension.cpuprofile`));
    }
    keepAlive.destroy();
    await slack.close();
  }
  return results;
}

/** Each figure's median over the rounds, with its range. */
function medianOf(rounds: ExtensionResult[]): ExtensionResult {
  const mid = (f: (r: ExtensionResult) => number) => median(rounds.map(f));
  const range = (f: (r: ExtensionResult) => number): [number, number] => [Math.min(...rounds.map(f)), Math.max(...rounds.map(f))];
  return {
    ...rounds[0]!,
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    p50Ms: mid((r) => r.p50Ms),
    p99Ms: mid((r) => r.p99Ms),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    cpuMsPerCall: mid((r) => r.cpuMsPerCall),
    spread: { runs: rounds.length, p50Ms: range((r) => r.p50Ms), p99Ms: range((r) => r.p99Ms), cpuMsPerCall: range((r) => r.cpuMsPerCall) },
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function keepLargestProfile(dir: string, to: string): void {
  const files = readdirSync(dir).map((f) => join(dir, f));
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (largest) renameSync(largest, to);
  rmSync(dir, { recursive: true, force: true });
}

/** The moderation check alone, in process: microseconds per output check of a ~90-character segment. */
export function benchModerationCheck(): { microsecondsPerCheck: number; checks: number } {
  const m = new Moderator({
    block: [{ keywords: ['project falcon', 'merger'], patterns: ['salary of \\w+'], response: 'x' }],
    redact: { presets: ['slack_tokens', 'api_keys', 'emails', 'card_numbers'], patterns: ['\\b\\d{3}-\\d{2}-\\d{4}\\b'], replacement: '[redacted]' },
  });
  for (let i = 0; i < 20_000; i++) m.output(TEXTS[i % TEXTS.length]!);
  const checks = 200_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < checks; i++) m.output(TEXTS[i % TEXTS.length]!);
  return { microsecondsPerCheck: round(Number(process.hrtime.bigint() - started) / 1e3 / checks), checks };
}
