import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame is, short: the package for dependencies, the file for ours, node's internals as such. */
function place(url: string, line: number): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return url;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  const ours = /\/((?:src|bench|test)\/.+)$/.exec(url);
  return `${ours ? ours[1] : basename(url)}:${line + 1}`;
}

/**
 * A V8 CPU profile (node --cpu-prof) as the top costs by self time: what the process spent its
 * time on, grouped by function and where it is (a dependency counts as its package), with the
 * share of all samples. Idle and GC are listed as such.
 */
export function summarizeProfile(path: string, top = 15): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const where = place(f.url, f.lineNumber);
    const key = `${f.functionName || '(anonymous)'} — ${where}`;
    groups.set(key, (groups.get(key) ?? 0) + us);
    if (f.functionName !== '(idle)') {
      const mod = where
        .replace(/:\d+$/, '')
        .replace(/^node:.*/, 'node (streams, http, timers…)')
        .replace(/^\(native\)$/, f.functionName.startsWith('(') ? f.functionName : 'native (I/O, JSON, encoding)');
      modules.set(mod, (modules.get(mod) ?? 0) + us);
    }
  }
  const idle = groups.get('(idle) — (native)') ?? 0;
  const busy = total - idle;
  const rows = [...groups.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `| ${k} | ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)}% |`);
  const byModule = [...modules.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, us]) => `${k} ${((us / busy) * 100).toFixed(0)}%`);
  return [
    `#### ${basename(path, '.cpuprofile')}: ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms`,
    '',
    `By module: ${byModule.join(' · ')}`,
    '',
    '| function — where | self ms | of busy |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

// `tsx bench/profile-summary.ts FILE…`: the same table for profiles taken by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of process.argv.slice(2)) process.stdout.write(`${summarizeProfile(f)}\n\n`);
}
