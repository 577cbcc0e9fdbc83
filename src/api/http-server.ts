// The node:http server that carries the API: its time limits and connection cap, and the answers
// node:http would otherwise give itself — bare 400/408/431/417 bodies, a `100 Continue` to an
// upload that is too large, a silent close on CONNECT — given in the API's JSON error shape.
// cmd/ decides the numbers and calls listen(); nothing here reads config.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Api } from './create-api.js';
import { CodedError } from './errors.js';
import { isAnswered, lingerAfterAnswer, writeErrorResponse, writeSocketError } from './socket-answers.js';
import { declaredBodyBytes, payloadTooLarge } from './request-text.js';

export interface HttpServerOptions {
  /** Longest wait for a request's line and headers, from its first byte (or from the connection
   *  opening): a client that trickles headers is answered 408 SLOW_REQUEST and closed. */
  headersTimeoutMs: number;
  /** Longest wait for a whole request, headers and body (not the answer: a lock request may wait
   *  for its grant far longer). At least headersTimeoutMs. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Most open client connections (REST and WebSocket); further ones are closed at once. */
  maxConnections: number;
}

/** For a member behind a load balancer: a balancer sends a request's headers at once, so 10 s is
 *  ample and bounds slow-header clients; 30 s to receive a body of up to maxBodyBytes even over a
 *  slow link; idle keep-alive 65 s, longer than the 60 s idle timeout of common balancers (AWS
 *  ALB, nginx upstreams) so the balancer, not the member, closes an idle connection and never
 *  sends a request on one the member is closing; 25,000 connections, above maxWatchSockets plus
 *  maxPendingLockWaits so those limits answer with their own codes first. */
export const DEFAULT_HTTP_SERVER_OPTIONS: Readonly<HttpServerOptions> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 25_000,
});

/**
 * The http.Server for `api`: REST through the koa app, WebSocket upgrades for /v1/watch, every
 * answer in the JSON error shape. The caller listens and closes it.
 */
export function createHttpServer(api: Api, options: Partial<HttpServerOptions> & { tls?: https.ServerOptions } = {}): http.Server {
  const { tls, ...timing } = options;
  const o = resolveHttpServerOptions(timing);
  const handle = api.app.callback();
  // With `tls` the same server speaks https (and wss); the certificates can be swapped later
  // with setSecureContext (cmd/ re-reads them on change).
  const create = (opts: http.ServerOptions, listener: http.RequestListener): http.Server =>
    tls === undefined ? http.createServer(opts, listener) : https.createServer({ ...tls, ...opts }, listener);
  const server = create(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      // node:http checks both timeouts on this interval (30 s by default, which is why slow
      // headers were cut only after 60-90 s): check often enough to keep to the limit.
      connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(o.headersTimeoutMs / 4))),
      // Checked below, to answer in JSON (node:http would answer a bare 400).
      requireHostHeader: false,
    },
    (req, res) => {
      if (req.httpVersion === '1.1' && req.headers.host === undefined) {
        res.setHeader('Connection', 'close');
        lingerAfterAnswer(req, res);
        writeErrorResponse(res, new CodedError('BAD_REQUEST', 'an HTTP/1.1 request needs a Host header'));
        return;
      }
      if (api.serveHot(req, res)) return;
      void handle(req, res);
    },
  );
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.maxConnections = o.maxConnections;
  // node:http's default is kept on purpose: a client that closes its sending side after a
  // complete request has gone away (TCP cannot tell a half-close from a close), which is how a
  // waiting lock request learns that its client left (routes-locks.ts).

  // Malformed requests (bad bytes in the request line, headers over the size limit, a bad
  // chunked encoding) and the header/request timeouts arrive here instead of as requests.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    // Once answered, a broken parser reports every further chunk: the lingering close ends it.
    if (isAnswered(socket)) return;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    writeSocketError(socket, clientErrorOf(err), { parsed: true });
  });

  // `Expect: 100-continue`: refuse an announced body over the limit before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredBodyBytes(req) > api.limits.maxBodyBytes) {
      res.setHeader('Connection', 'close');
      lingerAfterAnswer(req, res);
      writeErrorResponse(res, payloadTooLarge(api.limits.maxBodyBytes));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Connection', 'close');
    lingerAfterAnswer(req, res);
    writeErrorResponse(res, new CodedError('EXPECTATION_FAILED', `Expect: ${String(req.headers.expect)} is not supported (only 100-continue)`));
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeSocketError(socket, new CodedError('BAD_REQUEST', 'CONNECT is not supported: raftlock is not a proxy'), { parsed: false });
  });
  api.attachWebSockets(server);
  return server;
}

export function resolveHttpServerOptions(options: Partial<HttpServerOptions>): Readonly<HttpServerOptions> {
  const o: HttpServerOptions = { ...DEFAULT_HTTP_SERVER_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (!(name in DEFAULT_HTTP_SERVER_OPTIONS)) throw new Error(`http server options: unknown option "${name}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`http server options: ${name} must be a positive integer, got ${String(value)}`);
    }
    (o as unknown as Record<string, number>)[name] = value;
  }
  if (o.headersTimeoutMs > o.requestTimeoutMs) {
    throw new Error(`http server options: headersTimeoutMs (${o.headersTimeoutMs}) must not exceed requestTimeoutMs (${o.requestTimeoutMs})`);
  }
  return Object.freeze(o);
}

function clientErrorOf(err: NodeJS.ErrnoException): CodedError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new CodedError('HEADERS_TOO_LARGE', 'the request line and headers exceed the header size limit');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new CodedError('SLOW_REQUEST', 'the request did not arrive within the time limit');
    case 'HPE_INVALID_METHOD':
      return new CodedError('BAD_REQUEST', 'the request method is not a known HTTP method');
    default:
      return new CodedError('BAD_REQUEST', `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`);
  }
}
