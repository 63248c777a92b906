import { readEnvironment } from '../config/env.js';
import { doctorCli } from '../ops/doctor-cli.js';

/** `npm run doctor`: checks the configuration against Slack, Dify and the store, then exits. */
process.exit(await doctorCli(readEnvironment(), (line) => process.stdout.write(`${line}\n`)));
