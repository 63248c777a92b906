import type { CustomRoute } from '@slack/bolt';
import type { HealthCheck } from './health.js';

/** GET /healthz: 200 with the checks while the store answers, 503 when it does not. */
export function healthzRoute(health: HealthCheck): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      void health.current().then((h) => {
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(h));
      });
    },
  };
}
