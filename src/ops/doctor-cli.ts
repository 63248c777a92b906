import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { secretsOf } from '../config/secrets.js';
import { scrubSecrets } from '../logger.js';
import { runDoctor } from './doctor.js';

/**
 * `npm run doctor` and `npm start -- --doctor`: one line per check, ✓ or ✗ with its fix;
 * resolves to the exit status (0 only when every check passes).
 */
export async function doctorCli(env: Record<string, string | undefined>, write: (line: string) => void, manifestPath = 'manifest.json'): Promise<number> {
  write('Dify bridge doctor');
  const result = loadConfig(env);
  if (!result.ok) {
    // No configuration, so no known secrets: anything shaped like one is blanked all the same.
    for (const problem of result.problems) write(scrubSecrets(`  ✗ ${problem}`));
    write(`${result.problems.length} configuration problem${result.problems.length === 1 ? '' : 's'}: fix .env or BRIDGE_CONFIG, then run the doctor again.`);
    return 1;
  }
  const config = result.config;
  const secrets = secretsOf(config);
  const say = (line: string) => write(scrubSecrets(line, secrets));
  const mode = config.slack.appToken ? 'Socket Mode' : 'HTTP mode';
  say(`  ✓ Configuration: ${Object.keys(config.dify.apps).length} Dify app(s), ${mode}, store ${config.store.url.split(':')[0]}`);
  const checks = await runDoctor(config, { ...(existsSync(manifestPath) ? { manifest: readFileSync(manifestPath, 'utf8') } : {}) });
  for (const check of checks) {
    say(`  ${check.note ? '·' : check.ok ? '✓' : '✗'} ${check.note ? 'note: ' : ''}${check.what}`);
    if (!check.ok && check.fix) say(`      fix: ${check.fix}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  say(failed ? `${failed} check${failed === 1 ? '' : 's'} failed.` : 'All checks passed.');
  return failed ? 1 : 0;
}
