import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The project's entry points, as `npm start` and `npm run doctor` run them. */
export const ENTRY = {
  main: fileURLToPath(new URL('../../src/main.ts', import.meta.url)),
  doctor: fileURLToPath(new URL('../../src/tools/doctor.ts', import.meta.url)),
  manifest: fileURLToPath(new URL('../../src/tools/manifest.ts', import.meta.url)),
};

export interface EntryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an entry point under tsx in `cwd` with only PATH and `env` in its environment (no
 * developer's variables leak in); sends SIGTERM once stdout matches `until`, SIGKILL after 20 s.
 */
export function runEntry(entry: string, opts: { cwd: string; env: Record<string, string>; args?: string[]; until?: RegExp }): Promise<EntryRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...(opts.args ?? [])], {
      cwd: opts.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts the bridge (`npm start`'s entry) as a child process and resolves once /healthz answers on `port`. */
export async function launchBridge(env: Record<string, string>, port: number, cleanups: Array<() => unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY.main], { env, stdio: 'ignore' });
  cleanups.push(() => void child.kill('SIGKILL'));
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('bridge did not start');
}
