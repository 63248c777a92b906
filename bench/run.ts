import { mkdirSync, writeFileSync } from 'node:fs';
import { benchChat } from './chat.js';
import { benchExtension, benchModerationCheck } from './extension.js';
import { machine } from './machine.js';

/**
 * `npm run bench`: runs the bridge's real server against loopback fakes and writes
 * bench/results/<date>.json and .md. Not part of `npm test`.
 */
const m = machine();
process.stdout.write(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform})\n\n`);

const chat = await benchChat();
const chatTable = [
  '### Chat answers (edit streaming, STREAM_INTERVAL_MS=1000; fake Dify at 100 tokens/s unless said)',
  '',
  `| measure | result |`,
  '|---|---|',
  `| added latency to first visible text (Dify's first byte → Slack), ${chat.latency.answers} answers | p50 ${chat.latency.addedP50Ms} ms, p99 ${chat.latency.addedP99Ms} ms |`,
  `| question → first visible text, 200-token answer | ours ${chat.latency.toFirstTextP50Ms} ms, blocking baseline ${chat.latency.baselineToFirstTextP50Ms} ms (median): ratio ${chat.latency.ratio}, ${Math.round(1 / chat.latency.ratio)}× sooner |`,
  ...chat.cost.map(
    (c) =>
      `| Slack API calls at ${c.tokensPerSecond} tokens/s (${c.answers} answers × 200 tokens) | ${c.callsPerAnswer} per answer, ${c.callsPer1000Tokens} per 1,000 tokens; CPU ${c.cpuMsPer1000Tokens} ms per 1,000 tokens |`,
  ),
  `| ingest: signed deliveries acknowledged (32 concurrent senders, 10 s) | ${chat.ingest.acksPerSecond}/s, p50 ${chat.ingest.p50Ms} ms, p99 ${chat.ingest.p99Ms} ms |`,
  ...chat.scale.map(
    (x) =>
      `| ${x.concurrent} answers streaming at once (20 tokens/s × 100) | RSS ${x.rssMiB} MiB, event-loop delay p99 ${x.eventLoopDelayP99Ms} ms, all final texts exact: ${x.allExact ? 'yes' : 'NO'}, ${x.seconds} s |`,
  ),
  `| fairness: ${chat.fairness.answers} answers, Slack allowing ${chat.fairness.editsPerMinuteLimit} chat.update/min | ${chat.fairness.rateLimited} × 429, all final after ${chat.fairness.secondsUntilAllFinal} s, all final texts exact: ${chat.fairness.allExact ? 'yes' : 'NO'} |`,
].join('\n');
process.stdout.write(`${chatTable}\n\n`);

const extension = await benchExtension();
const check = benchModerationCheck();
const rows = extension.map(
  (r) => `| ${r.point} | ${r.connection} | ${r.ratePerSecond}/s × ${r.requests} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.cpuMsPerCall} | ${r.errors} |`,
);
const extensionTable = [
  '### Extension route (Dify opens a new connection per call)',
  '',
  '| point | connection | load | p50 ms | p99 ms | max ms | bridge CPU ms/call | errors |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `The moderation check alone (in process, ${check.checks.toLocaleString('en-US')} checks): ${check.microsecondsPerCheck} µs per ~90-character segment.`,
].join('\n');
process.stdout.write(`${extensionTable}\n`);
const table = `${chatTable}\n\n${extensionTable}`;

const date = new Date().toISOString().slice(0, 10);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/${date}.json`, import.meta.url),
  `${JSON.stringify({ date, machine: m, chat, extension, moderationCheck: check }, null, 2)}\n`,
);
writeFileSync(new URL(`./results/${date}.md`, import.meta.url), `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}\n\n${table}\n`);
