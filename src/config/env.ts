import { existsSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The only place the process environment is read. A `.env` file in the working
 * directory is loaded first (variables already set in the environment win), so
 * `npm start` works with nothing but a filled-in `.env`.
 */
export function readEnvironment(envFile = '.env'): Env {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return { ...process.env };
}
