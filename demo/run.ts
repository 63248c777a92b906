import { startDemo } from './server.js';

/** `npm run demo [-- --port 3000]`: starts everything and prints where to look. */
const flag = process.argv.indexOf('--port');
const wanted = flag > 0 ? Number(process.argv[flag + 1]) : 3000;
let demo;
try {
  demo = await startDemo({ port: wanted });
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  // Port taken: any free one will do.
  demo = await startDemo({ port: 0 });
}
const running = demo;
process.stdout.write(
  [
    '',
    `  Dify bridge demo: open ${running.url}`,
    '',
    '  The real bridge runs between a Slack stand-in and a scripted Dify, on this machine only.',
    '  Try "@Dify what can you do?", then reply in the thread; "/report Slack bridges"; "/dify".',
    '  Ctrl-C to stop.',
    '',
  ].join('\n'),
);
const stop = () => void running.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
