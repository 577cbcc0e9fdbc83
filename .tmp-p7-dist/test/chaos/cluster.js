// A real raftlockd cluster whose members reach each other only through the FaultProxy: each
// member listens on its own peer port, but the --initial-cluster every member gets (the same
// string everywhere) names the proxy's port for each destination.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberIdFor } from '../../src/config/member-id.js';
import { DAEMON, freePort } from '../helpers/process-cluster.js';
import { FaultProxy } from './proxy.js';
const CLUSTER_TOKEN = 'raftlock';
const OUTPUT_LINES = 400;
export class ChaosCluster {
    root;
    proxy;
    opts;
    members = [];
    constructor(root, proxy, opts) {
        this.root = root;
        this.proxy = proxy;
        this.opts = opts;
    }
    static async start(opts) {
        if (opts.size < 1 || opts.size > 9)
            throw new Error(`ChaosCluster: size ${opts.size} out of range 1..9`);
        const root = mkdtempSync(join(tmpdir(), 'raftlock-chaos-'));
        const specs = [];
        for (let i = 0; i < opts.size; i++) {
            const name = `m${i + 1}`;
            const clientPort = await freePort();
            const peerPort = await freePort();
            specs.push({ name, id: memberIdFor(name, CLUSTER_TOKEN), clientPort, peerPort, dataDir: join(root, name), url: `http://127.0.0.1:${clientPort}` });
        }
        const proxy = await FaultProxy.start(specs.map((s) => ({ name: s.name, id: s.id, peerPort: s.peerPort })));
        const c = new ChaosCluster(root, proxy, opts);
        for (const s of specs)
            c.members.push({ ...s, proc: null, paused: false, extraArgs: [], output: [], starts: 0 });
        for (const m of c.members)
            c.spawn(m);
        return c;
    }
    member(name) {
        const m = this.members.find((x) => x.name === name);
        if (!m)
            throw new Error(`ChaosCluster: no member ${name}`);
        return m;
    }
    initialCluster() {
        return this.members.map((m) => `${m.name}=http://127.0.0.1:${this.proxy.portOf(m.name)}|${m.url}`).join(',');
    }
    isRunning(m) {
        return !!m.proc && m.proc.exitCode === null && m.proc.signalCode === null;
    }
    /** Running and not paused: can answer requests. */
    isServing(m) {
        return this.isRunning(m) && !m.paused;
    }
    spawn(m, extraArgs = []) {
        if (this.isRunning(m))
            throw new Error(`ChaosCluster: ${m.name} is already running`);
        const args = [
            DAEMON,
            '--name', m.name,
            '--data-dir', m.dataDir,
            '--listen-client', `127.0.0.1:${m.clientPort}`,
            '--listen-peer', `127.0.0.1:${m.peerPort}`,
            '--initial-cluster', this.initialCluster(),
            '--log-level', 'warn',
            ...(this.opts.memberArgs ?? []),
            ...extraArgs,
        ];
        const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        m.extraArgs = extraArgs;
        m.paused = false;
        m.starts++;
        const keep = (buf) => {
            m.output.push(buf.toString());
            if (m.output.length > OUTPUT_LINES)
                m.output.shift();
        };
        proc.stdout.on('data', keep);
        proc.stderr.on('data', keep);
        m.proc = proc;
    }
    async kill(m) {
        const p = m.proc;
        if (!p || !this.isRunning(m))
            return;
        const exited = new Promise((res) => p.once('exit', () => res()));
        p.kill('SIGKILL');
        await exited;
        m.paused = false;
    }
    pause(m) {
        if (!this.isRunning(m))
            throw new Error(`ChaosCluster: cannot pause ${m.name}: not running`);
        if (m.paused)
            return;
        m.proc.kill('SIGSTOP');
        m.paused = true;
    }
    resume(m) {
        if (!m.paused)
            return;
        if (this.isRunning(m))
            m.proc.kill('SIGCONT');
        m.paused = false;
    }
    /** Crash (SIGKILL) and start again, with `extraArgs` for the new incarnation. */
    async restart(m, extraArgs = []) {
        await this.kill(m);
        this.spawn(m, extraArgs);
    }
    async destroy() {
        for (const m of this.members)
            this.resume(m);
        await Promise.all(this.members.map((m) => this.kill(m)));
        await this.proxy.stop();
        if (!this.opts.keepData)
            rmSync(this.root, { recursive: true, force: true });
    }
    logs(m) {
        return m.output.join('');
    }
}
//# sourceMappingURL=cluster.js.map