// A real Prometheus server for tests: Debian's /usr/bin/prometheus (or $PROMETHEUS, or any
// `prometheus` on PATH) with a temp config and TSDB, listening on a free loopback port. Missing
// binaries FAIL with an install hint, like promtool (test/deploy/promtool.ts).
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { dump } from 'js-yaml';
import { eventually, freePort } from '../helpers/process-cluster.js';
export function findPrometheus() {
    const fromEnv = process.env['PROMETHEUS'];
    if (fromEnv !== undefined && fromEnv !== '')
        return fromEnv;
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
        if (dir === '')
            continue;
        const p = join(dir, 'prometheus');
        try {
            accessSync(p, constants.X_OK);
            return p;
        }
        catch {
            // keep looking
        }
    }
    throw new Error('prometheus not found on PATH: install it (Debian: `apt-get install -y prometheus`) or set PROMETHEUS=/path/to/prometheus');
}
/** Most output lines kept from the Prometheus process (for failure messages). */
const MAX_LOG_CHUNKS = 200;
export class PrometheusServer {
    proc;
    root;
    url;
    output = [];
    constructor(proc, root, port) {
        this.proc = proc;
        this.root = root;
        this.url = `http://127.0.0.1:${port}`;
        const keep = (b) => {
            this.output.push(b.toString());
            if (this.output.length > MAX_LOG_CHUNKS)
                this.output.shift();
        };
        proc.stdout.on('data', keep);
        proc.stderr.on('data', keep);
    }
    /** Starts Prometheus and waits until /-/ready answers 200. */
    static async start(opts) {
        const bin = findPrometheus();
        const root = mkdtempSync(join(tmpdir(), 'raftlock-prom-'));
        const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
        const config = {
            global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
            scrape_configs: [{ job_name: opts.job, metrics_path: '/metrics', static_configs: [{ targets: [...opts.targets] }] }],
        };
        writeFileSync(join(root, 'prometheus.yml'), dump(config));
        const port = await freePort();
        const proc = spawn(bin, [
            `--config.file=${join(root, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(root, 'data')}`,
            `--web.listen-address=127.0.0.1:${port}`,
            '--log.level=warn',
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        const p = new PrometheusServer(proc, root, port);
        try {
            await eventually(`prometheus ready on ${p.url}`, async () => {
                if (proc.exitCode !== null || proc.signalCode !== null)
                    throw new Error(`prometheus exited (${proc.exitCode ?? proc.signalCode}): ${p.logs()}`);
                const r = await fetch(`${p.url}/-/ready`);
                return r.status === 200 ? true : undefined;
            }, 30_000, 100);
        }
        catch (e) {
            await p.stop();
            throw e;
        }
        return p;
    }
    logs() {
        return this.output.join('');
    }
    /** Instant query through the HTTP API (/api/v1/query). Never throws on a PromQL error: the
     *  caller sees status 'error' and the message. */
    async query(expr) {
        const res = await fetch(`${this.url}/api/v1/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ query: expr }).toString(),
        });
        return (await res.json());
    }
    /** Health of every scrape target as Prometheus sees it. */
    async targets() {
        const res = await fetch(`${this.url}/api/v1/targets?state=active`);
        const body = (await res.json());
        return body.data.activeTargets;
    }
    async stop() {
        const p = this.proc;
        if (p.exitCode === null && p.signalCode === null) {
            const exited = new Promise((resolve) => p.once('exit', () => resolve()));
            p.kill('SIGKILL');
            await exited;
        }
        rmSync(this.root, { recursive: true, force: true });
    }
}
//# sourceMappingURL=prometheus-server.js.map