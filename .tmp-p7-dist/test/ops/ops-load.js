// A small, steady operator-visible load on a process cluster: puts and linearizable gets, a lease
// kept alive, lock acquire/release cycles, one WebSocket watch and a request that fails on purpose
// (404), so every metric family the dashboard plots has samples. Each loop paces itself and
// tolerates members that are down (the suites kill and restart members while it runs).
import WebSocket from 'ws';
import { http } from '../helpers/process-cluster.js';
/** Bound on remembered error messages (the rest are only counted). */
const MAX_ERROR_SAMPLES = 20;
export class OpsLoad {
    opts;
    counts = { puts: 0, gets: 0, notFound: 0, leasesGranted: 0, keepalives: 0, locksAcquired: 0, locksReleased: 0, watchEvents: 0, errors: 0 };
    errorSamples = [];
    stopped = false;
    loops = [];
    ws = null;
    rr = 0;
    pace;
    prefix;
    wake = null;
    constructor(opts) {
        this.opts = opts;
        this.pace = opts.paceMs ?? 25;
        this.prefix = opts.prefix ?? 'load/';
    }
    start() {
        if (this.loops.length > 0)
            throw new Error('OpsLoad.start called twice');
        this.loops.push(this.kvLoop(), this.leaseLoop(), this.lockLoop(), this.watchLoop());
    }
    async stop() {
        this.stopped = true;
        this.wake?.();
        this.ws?.terminate();
        await Promise.all(this.loops);
    }
    pick() {
        const ms = this.opts.members();
        if (ms.length === 0)
            return undefined;
        return ms[this.rr++ % ms.length];
    }
    noteError(what, e) {
        this.counts.errors++;
        if (this.errorSamples.length < MAX_ERROR_SAMPLES)
            this.errorSamples.push(`${what}: ${String(e?.message ?? e)}`);
    }
    /** Pacing between iterations (not synchronisation: nothing waits on it but the loop itself). */
    pause(ms = this.pace) {
        if (this.stopped)
            return Promise.resolve();
        return new Promise((resolve) => setTimeout(resolve, ms));
    }
    async kvLoop() {
        for (let i = 0; !this.stopped; i++) {
            const m = this.pick();
            if (m) {
                try {
                    const key = `${this.prefix}k${i % 50}`;
                    const put = await http('PUT', `${m.url}/v1/kv/${encodeURIComponent(key)}`, { value: `v${i}` });
                    if (put.status === 200)
                        this.counts.puts++;
                    else
                        this.noteError(`PUT via ${m.name}`, `${put.status} ${JSON.stringify(put.body)}`);
                    const get = await http('GET', `${m.url}/v1/kv/${encodeURIComponent(key)}`);
                    if (get.status === 200)
                        this.counts.gets++;
                    else
                        this.noteError(`GET via ${m.name}`, `${get.status} ${JSON.stringify(get.body)}`);
                    if (i % 10 === 0) {
                        // The request that fails on purpose: a key that never exists answers 404.
                        const miss = await http('GET', `${m.url}/v1/kv/${encodeURIComponent('missing/never-written')}?consistency=serializable`);
                        if (miss.status === 404)
                            this.counts.notFound++;
                        else
                            this.noteError('GET missing key', `${miss.status}`);
                    }
                }
                catch (e) {
                    this.noteError(`kv via ${m.name}`, e);
                }
            }
            await this.pause();
        }
    }
    async leaseLoop() {
        let lease = null;
        while (!this.stopped) {
            const m = this.pick();
            if (m) {
                try {
                    if (lease === null) {
                        const r = await http('POST', `${m.url}/v1/leases`, { ttl: 5 });
                        if (r.status === 200) {
                            lease = { id: r.body.id, via: m };
                            this.counts.leasesGranted++;
                            const k = await http('PUT', `${m.url}/v1/kv/${encodeURIComponent(`${this.prefix}leased`)}`, { value: 'x', lease: lease.id });
                            if (k.status !== 200)
                                this.noteError('PUT leased key', `${k.status}`);
                        }
                        else {
                            this.noteError('lease grant', `${r.status} ${JSON.stringify(r.body)}`);
                        }
                    }
                    else {
                        const r = await http('POST', `${m.url}/v1/leases/${lease.id}/keepalive`);
                        if (r.status === 200)
                            this.counts.keepalives++;
                        else if (r.status === 404)
                            lease = null; // expired while members were down: grant anew
                        else
                            this.noteError('keepalive', `${r.status} ${JSON.stringify(r.body)}`);
                    }
                }
                catch (e) {
                    this.noteError('lease', e);
                }
            }
            await this.pause(Math.max(this.pace, 250));
        }
        const m = this.pick();
        if (lease !== null && m)
            await http('DELETE', `${m.url}/v1/leases/${lease.id}`).catch(() => undefined);
    }
    async lockLoop() {
        for (let i = 0; !this.stopped; i++) {
            const m = this.pick();
            if (m) {
                try {
                    const name = `${this.prefix}lock${i % 3}`;
                    const r = await http('POST', `${m.url}/v1/locks/${encodeURIComponent(name)}`, { ttl: 5, waitMs: 2000 });
                    if (r.status === 200) {
                        this.counts.locksAcquired++;
                        const rel = await http('DELETE', `${m.url}/v1/locks/${encodeURIComponent(name)}?fencingToken=${r.body.fencingToken}`);
                        if (rel.status === 200)
                            this.counts.locksReleased++;
                        else
                            this.noteError('lock release', `${rel.status} ${JSON.stringify(rel.body)}`);
                    }
                    else {
                        this.noteError('lock acquire', `${r.status} ${JSON.stringify(r.body)}`);
                    }
                }
                catch (e) {
                    this.noteError('lock', e);
                }
            }
            await this.pause(Math.max(this.pace, 50));
        }
    }
    /** Keeps one watch socket open on some member, reopening it when that member goes away. */
    async watchLoop() {
        while (!this.stopped) {
            const m = this.pick();
            if (m) {
                await new Promise((resolve) => {
                    const ws = new WebSocket(`${m.url.replace(/^http/, 'ws')}/v1/watch`);
                    this.ws = ws;
                    this.wake = () => ws.terminate();
                    ws.on('open', () => ws.send(JSON.stringify({ type: 'create', key: this.prefix, prefix: true })));
                    ws.on('message', (data) => {
                        try {
                            const msg = JSON.parse(data.toString());
                            if (Array.isArray(msg.events))
                                this.counts.watchEvents += msg.events.length;
                        }
                        catch (e) {
                            this.noteError('watch message', e);
                        }
                    });
                    ws.on('error', (e) => this.noteError(`watch via ${m.name}`, e));
                    ws.on('close', () => resolve());
                });
                this.ws = null;
                this.wake = null;
            }
            await this.pause(Math.max(this.pace, 100));
        }
    }
}
//# sourceMappingURL=ops-load.js.map