import type { CustomRoute } from '@slack/bolt';
import type { Store } from '../../store/store.js';

export function healthzRoute(store: Pick<Store, 'kind'>, version: string): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, version, store: store.kind }));
    },
  };
}
