// The operator's listener: plain HTTP serving only /metrics, /livez and /readyz from the same koa
// app, so Kubernetes probes and Prometheus keep working when the client port demands TLS or
// client certificates. Anyone who reaches it may read metrics and health (they carry no keys or
// values); every other path is 404 NOT_FOUND in the documented error shape, and it takes no
// WebSocket upgrades.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, CodedError } from './errors.js';

export const OPERATOR_PATHS: readonly string[] = ['/metrics', '/livez', '/readyz'];

/** Wraps the app's request handler so that only the operator paths reach it. */
export function operatorOnly(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (OPERATOR_PATHS.includes(path)) {
      handler(req, res);
      return;
    }
    const body = JSON.stringify(errorBody(new CodedError('NOT_FOUND', `this listener serves only ${OPERATOR_PATHS.join(', ')}`)));
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}
