import type { CustomRoute } from '@slack/bolt';
import type { Registry } from 'prom-client';
import { bearerCheck } from '../http-bearer.js';

/** GET /metrics: Prometheus text format; with METRICS_TOKEN, only for `Authorization: Bearer <token>`. */
export function metricsRoute(registry: Registry, token?: string): CustomRoute {
  const authorized = token ? bearerCheck(token) : () => true;
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (req, res) => {
      if (!authorized(req)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
        return void res.end('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      }
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        },
      );
    },
  };
}
