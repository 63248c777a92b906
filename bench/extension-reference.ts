import { createServer } from 'node:http';

/**
 * The extension's limit reference: a bare Node HTTP server that answers an API-based extension
 * call as the bridge does (bearer check, JSON in, JSON out) and nothing more: no Bolt, no routing,
 * no validation, no moderation, no logging. Started the same way as the bridge (a child process
 * under tsx), so what it costs per call is what Node and the kernel cost for one connection.
 */
const key = `Bearer ${process.env['EXTENSION_API_KEY'] ?? ''}`;
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    if (req.headers.authorization !== key) {
      res.writeHead(401).end();
      return;
    }
    const call = JSON.parse(body) as { point?: string; params?: { text?: string; query?: string } };
    const out = JSON.stringify(
      call.point === 'ping' ? { result: 'pong' } : { flagged: false, action: 'direct_output', text: call.params?.text ?? call.params?.query ?? '' },
    );
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`HTTP on 127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
