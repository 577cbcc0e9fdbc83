// A tiny scripted HTTP(+WebSocket) member for client tests: every request is logged, and a
// handler decides the answer (a status + JSON, a hang, or a dropped connection). A keepalive
// that comes over the WebSocket is logged and answered by the same handler, as if it were
// `POST /v1/leases/{id}/keepalive` (its Seen has method 'WS'). Listens on a free loopback port;
// close() stops it and every socket it accepted.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  at: number;
}

export type Answer =
  | { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { hang: true }
  | { drop: true };

export type Handler = (req: Seen, n: number) => Answer;

export class FakeEndpoint {
  readonly seen: Seen[] = [];
  handler: Handler = () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route' } } });
  /** Called for each WebSocket connection to /v1/watch. */
  onWatchSocket: ((ws: WebSocket) => void) | undefined;
  readonly watchSockets = new Set<WebSocket>();
  /** WebSocket connections accepted so far. */
  socketsAccepted = 0;
  /** Refuse WebSocket upgrades (503) while true. */
  refuseUpgrades = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  url = '';

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const seen: Seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, body: text ? JSON.parse(text) : undefined, at: Date.now() };
        this.seen.push(seen);
        const a = this.handler(seen, this.seen.length);
        if ('hang' in a) return; // never answer
        if ('drop' in a) {
          req.socket.destroy();
          return;
        }
        const answer = (): void => {
          res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
          res.end(JSON.stringify(a.body));
        };
        if (a.delayMs) setTimeout(answer, a.delayMs);
        else answer();
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.refuseUpgrades) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.socketsAccepted++;
        this.watchSockets.add(ws);
        ws.on('close', () => this.watchSockets.delete(ws));
        ws.on('message', (d) => {
          const msg = JSON.parse(String(d)) as Record<string, unknown>;
          if (msg.type === 'keepalive' && typeof msg.lease === 'string') this.socketKeepalive(ws, msg.lease);
        });
        this.onWatchSocket?.(ws);
      });
    });
  }

  static async start(): Promise<FakeEndpoint> {
    const f = new FakeEndpoint();
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  private socketKeepalive(ws: WebSocket, lease: string): void {
    const seen: Seen = { method: 'WS', path: `/v1/leases/${lease}/keepalive`, query: new URLSearchParams(), body: undefined, at: Date.now() };
    this.seen.push(seen);
    const a = this.handler(seen, this.seen.length);
    if ('hang' in a) return;
    if ('drop' in a) {
      ws.terminate();
      return;
    }
    const body = a.body as { ttl?: unknown; error?: { code: string; message: string } };
    const answer = (): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (a.status === 200) ws.send(JSON.stringify({ type: 'keepalive', lease, ttl: body.ttl }));
      else ws.send(JSON.stringify({ type: 'error', code: body.error?.code ?? 'INTERNAL', message: body.error?.message ?? 'scripted', lease }));
    };
    if (a.delayMs) setTimeout(answer, a.delayMs);
    else answer();
  }

  /** Drop every open watch socket abruptly (as a killed member would). */
  killWatchSockets(): void {
    for (const ws of this.watchSockets) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.watchSockets) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const fail = (status: number, code: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { error: { code, message: `scripted ${code}` } },
  ...(headers ? { headers } : {}),
});

/** A loopback port with nothing listening (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const srv = http.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
