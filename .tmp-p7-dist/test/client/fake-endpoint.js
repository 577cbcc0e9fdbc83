// A tiny scripted HTTP(+WebSocket) member for client tests: every request is logged, and a
// handler decides the answer (a status + JSON, a hang, or a dropped connection). Listens on a
// free loopback port; close() stops it and every socket it accepted.
import http from 'node:http';
import { WebSocketServer } from 'ws';
export class FakeEndpoint {
    seen = [];
    handler = () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route' } } });
    /** Called for each WebSocket connection to /v1/watch. */
    onWatchSocket;
    watchSockets = new Set();
    sockets = new Set();
    server;
    wss = new WebSocketServer({ noServer: true });
    url = '';
    constructor() {
        this.server = http.createServer((req, res) => {
            const chunks = [];
            req.on('data', (c) => chunks.push(c));
            req.on('end', () => {
                const u = new URL(req.url ?? '/', 'http://x');
                const text = Buffer.concat(chunks).toString('utf8');
                const seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, body: text ? JSON.parse(text) : undefined, at: Date.now() };
                this.seen.push(seen);
                const a = this.handler(seen, this.seen.length);
                if ('hang' in a)
                    return; // never answer
                if ('drop' in a) {
                    req.socket.destroy();
                    return;
                }
                res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
                res.end(JSON.stringify(a.body));
            });
        });
        this.server.on('connection', (s) => {
            this.sockets.add(s);
            s.on('close', () => this.sockets.delete(s));
        });
        this.server.on('upgrade', (req, socket, head) => {
            this.wss.handleUpgrade(req, socket, head, (ws) => {
                this.watchSockets.add(ws);
                ws.on('close', () => this.watchSockets.delete(ws));
                this.onWatchSocket?.(ws);
            });
        });
    }
    static async start() {
        const f = new FakeEndpoint();
        await new Promise((resolve) => f.server.listen(0, '127.0.0.1', resolve));
        f.url = `http://127.0.0.1:${f.server.address().port}`;
        return f;
    }
    /** Drop every open watch socket abruptly (as a killed member would). */
    killWatchSockets() {
        for (const ws of this.watchSockets)
            ws.terminate();
    }
    async close() {
        for (const ws of this.watchSockets)
            ws.terminate();
        for (const s of this.sockets)
            s.destroy();
        await new Promise((resolve) => this.wss.close(() => resolve()));
        await new Promise((resolve) => this.server.close(() => resolve()));
    }
}
export const ok = (body) => ({ status: 200, body });
export const fail = (status, code, headers) => ({
    status,
    body: { error: { code, message: `scripted ${code}` } },
    ...(headers ? { headers } : {}),
});
/** A loopback port with nothing listening (connections are refused). */
export async function closedPortUrl() {
    const srv = http.createServer();
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = srv.address().port;
    await new Promise((resolve) => srv.close(() => resolve()));
    return `http://127.0.0.1:${port}`;
}
//# sourceMappingURL=fake-endpoint.js.map