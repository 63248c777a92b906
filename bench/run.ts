import { mkdirSync, writeFileSync } from 'node:fs';
import { benchExtension, benchModerationCheck } from './extension.js';
import { machine } from './machine.js';

/**
 * `npm run bench`: runs the bridge's real server against loopback fakes and writes
 * bench/results/<date>.json and .md. Not part of `npm test`.
 */
const m = machine();
process.stdout.write(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform})\n\n`);

const extension = await benchExtension();
const check = benchModerationCheck();
const rows = extension.map((r) => `| ${r.point} | ${r.connection} | ${r.ratePerSecond}/s × ${r.requests} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.cpuMsPerCall} | ${r.errors} |`);
const table = [
  '### Extension route (Dify opens a new connection per call)',
  '',
  '| point | connection | load | p50 ms | p99 ms | max ms | bridge CPU ms/call | errors |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `The moderation check alone (in process, ${check.checks.toLocaleString('en-US')} checks): ${check.microsecondsPerCheck} µs per ~90-character segment.`,
].join('\n');
process.stdout.write(`${table}\n`);

const date = new Date().toISOString().slice(0, 10);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${date}.json`, import.meta.url), `${JSON.stringify({ date, machine: m, extension, moderationCheck: check }, null, 2)}\n`);
writeFileSync(new URL(`./results/${date}.md`, import.meta.url), `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}\n\n${table}\n`);
