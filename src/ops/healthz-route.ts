import type { CustomRoute } from '@slack/bolt';
import { bearerCheck } from '../http-bearer.js';
import type { HealthCheck } from './health.js';

/**
 * GET /healthz: 200 while the store answers, 503 when it does not. With METRICS_TOKEN, a caller
 * without the token (a load balancer) gets the status and `{"ok": …}` only: app names, the
 * version and timings are for the operator.
 */
export function healthzRoute(health: HealthCheck, token?: string): CustomRoute {
  const detailed = token ? bearerCheck(token) : () => true;
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (req, res) => {
      void health.current().then((h) => {
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(detailed(req) ? h : { ok: h.ok }));
      });
    },
  };
}
