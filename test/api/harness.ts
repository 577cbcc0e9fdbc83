// Test harness: the api on a real node:http server (createHttpServer) on 127.0.0.1, port 0, plus
// small HTTP and WebSocket clients. Everything started here is stopped by `close()`.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createApi, createHttpServer, type Api, type ApiLimits, type ApiMetrics, type CreateApiOptions, type HttpServerOptions } from '../../src/api/index.js';
import { FakeServer } from './fake-server.js';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface Harness {
  fake: FakeServer;
  api: Api;
  port: number;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Start a request and return it before its response, for disconnect tests. */
  startRequest(method: string, path: string, body: unknown): { req: http.ClientRequest; response: Promise<Response> };
  openWatch(path?: string): Promise<WatchClient>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    limits?: Partial<ApiLimits>;
    metrics?: ApiMetrics;
    fake?: FakeServer;
    http?: Partial<HttpServerOptions>;
    metricsHandler?: CreateApiOptions['metricsHandler'];
    authTokenTtlSeconds?: number;
  } = {},
): Promise<Harness> {
  const fake = opts.fake ?? new FakeServer();
  const api = createApi({
    server: fake,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.authTokenTtlSeconds !== undefined ? { authTokenTtlSeconds: opts.authTokenTtlSeconds } : {}),
    ...(opts.metricsHandler ? { metricsHandler: opts.metricsHandler } : {}),
  });
  // The server cmd/raftlockd.ts runs: the same timeouts, caps and JSON answers outside koa.
  const server = createHttpServer(api, opts.http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets: WatchClient[] = [];

  const encodeBody = (body: unknown, headers: Record<string, string>): Buffer | undefined => {
    if (body === undefined) return undefined;
    if (Buffer.isBuffer(body)) return body;
    if (typeof body === 'string') return Buffer.from(body, 'utf8');
    headers['content-type'] ??= 'application/json';
    return Buffer.from(JSON.stringify(body), 'utf8');
  };

  const startRequest = (method: string, path: string, body: unknown, extraHeaders: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...extraHeaders };
    const payload = encodeBody(body, headers);
    if (payload && !headers['content-type'] && !('content-type' in extraHeaders)) headers['content-type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false });
    const response = new Promise<Response>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
    });
    req.end(payload);
    return { req, response };
  };

  return {
    fake,
    api,
    port,
    request: (method, path, body, headers) => startRequest(method, path, body, headers).response,
    startRequest: (method, path, body) => startRequest(method, path, body),
    async openWatch(path = '/v1/watch') {
      const c = await WatchClient.connect(`ws://127.0.0.1:${port}${path}`);
      sockets.push(c);
      return c;
    },
    async close() {
      for (const s of sockets) s.terminate();
      await api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fake.hub.close();
    },
  };
}

/** A WebSocket client that queues incoming JSON messages for `next()`. */
export class WatchClient {
  private readonly queue: any[] = [];
  private readonly waiters: { pred: (m: any) => boolean; resolve: (m: any) => void; reject: (e: Error) => void }[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else this.queue.push(msg);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w.reject(new Error(`socket closed (${code}) while waiting for a message`));
    });
  }

  static connect(url: string): Promise<WatchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = new WatchClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next message (matching `pred`), in arrival order; earlier non-matching ones stay queued. */
  next(pred: (m: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const i = this.queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closed) return Promise.reject(new Error('socket is closed'));
    return new Promise((resolve, reject) => {
      // The timer only turns a hang into a failure; it never decides an outcome.
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; queued: ${JSON.stringify(this.queue).slice(0, 300)}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Every message received and not yet taken. */
  drain(): any[] {
    return this.queue.splice(0);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
