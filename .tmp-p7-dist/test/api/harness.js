// Test harness: the api on a real node:http server on 127.0.0.1, port 0, plus small HTTP and
// WebSocket clients. Everything started here is stopped by `close()`.
import http from 'node:http';
import { WebSocket } from 'ws';
import { createApi } from '../../src/api/index.js';
import { FakeServer } from './fake-server.js';
export async function startHarness(opts = {}) {
    const fake = opts.fake ?? new FakeServer();
    const api = createApi({ server: fake, ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.metrics ? { metrics: opts.metrics } : {}) });
    const server = http.createServer(api.app.callback());
    api.attachWebSockets(server);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;
    const sockets = [];
    const encodeBody = (body, headers) => {
        if (body === undefined)
            return undefined;
        if (Buffer.isBuffer(body))
            return body;
        if (typeof body === 'string')
            return Buffer.from(body, 'utf8');
        headers['content-type'] ??= 'application/json';
        return Buffer.from(JSON.stringify(body), 'utf8');
    };
    const startRequest = (method, path, body, extraHeaders = {}) => {
        const headers = { ...extraHeaders };
        const payload = encodeBody(body, headers);
        if (payload && !headers['content-type'] && !('content-type' in extraHeaders))
            headers['content-type'] = 'application/json';
        const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false });
        const response = new Promise((resolve, reject) => {
            req.on('error', reject);
            req.on('response', (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('error', reject);
                res.on('end', () => {
                    const text = Buffer.concat(chunks).toString('utf8');
                    let json;
                    try {
                        json = text === '' ? undefined : JSON.parse(text);
                    }
                    catch {
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
            for (const s of sockets)
                s.terminate();
            await api.close();
            server.closeAllConnections();
            await new Promise((resolve) => server.close(() => resolve()));
            fake.hub.close();
        },
    };
}
/** A WebSocket client that queues incoming JSON messages for `next()`. */
export class WatchClient {
    ws;
    queue = [];
    waiters = [];
    closed;
    constructor(ws) {
        this.ws = ws;
        ws.on('message', (data) => {
            const msg = JSON.parse(String(data));
            const i = this.waiters.findIndex((w) => w.pred(msg));
            if (i >= 0)
                this.waiters.splice(i, 1)[0].resolve(msg);
            else
                this.queue.push(msg);
        });
        ws.on('close', (code, reason) => {
            this.closed = { code, reason: reason.toString() };
            for (const w of this.waiters.splice(0))
                w.reject(new Error(`socket closed (${code}) while waiting for a message`));
        });
    }
    static connect(url) {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(url);
            const c = new WatchClient(ws);
            ws.once('open', () => resolve(c));
            ws.once('error', reject);
        });
    }
    send(msg) {
        this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    }
    /** The next message (matching `pred`), in arrival order; earlier non-matching ones stay queued. */
    next(pred = () => true, timeoutMs = 5000) {
        const i = this.queue.findIndex(pred);
        if (i >= 0)
            return Promise.resolve(this.queue.splice(i, 1)[0]);
        if (this.closed)
            return Promise.reject(new Error('socket is closed'));
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
    drain() {
        return this.queue.splice(0);
    }
    terminate() {
        this.ws.terminate();
    }
}
//# sourceMappingURL=harness.js.map