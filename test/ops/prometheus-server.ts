// A real Prometheus server for tests: Debian's /usr/bin/prometheus (or $PROMETHEUS, or any
// `prometheus` on PATH) with a temp config and TSDB, listening on a free loopback port. Missing
// binaries FAIL with an install hint, like promtool (test/deploy/promtool.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { findTool } from '../helpers/find-tool.js';
import { eventually, freePort } from '../helpers/process-cluster.js';

export function findPrometheus(): string {
  return findTool('prometheus', 'PROMETHEUS', 'Debian: `apt-get install -y prometheus`');
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromQueryResult {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] | [number, string] };
}

/** Most output lines kept from the Prometheus process (for failure messages). */
const MAX_LOG_CHUNKS = 200;

export interface PrometheusOptions {
  /** Scrape targets, `host:port`. */
  targets: readonly string[];
  /** job_name; the dashboard's $job and the alerts expect `raftlock` (the ServiceMonitor's). */
  job: string;
  /** Scrape interval in seconds (default 1). */
  scrapeIntervalSeconds?: number;
}

export class PrometheusServer {
  readonly url: string;
  private readonly output: string[] = [];

  private constructor(private readonly proc: ChildProcess, private readonly root: string, port: number) {
    this.url = `http://127.0.0.1:${port}`;
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > MAX_LOG_CHUNKS) this.output.shift();
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
  }

  /** Starts Prometheus and waits until /-/ready answers 200. */
  static async start(opts: PrometheusOptions): Promise<PrometheusServer> {
    const bin = findPrometheus();
    const root = mkdtempSync(join(tmpdir(), 'raftlock-prom-'));
    const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
    const config = {
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      scrape_configs: [{ job_name: opts.job, metrics_path: '/metrics', static_configs: [{ targets: [...opts.targets] }] }],
    };
    writeFileSync(join(root, 'prometheus.yml'), dump(config));
    const port = await freePort();
    const proc = spawn(
      bin,
      [
        `--config.file=${join(root, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(root, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const p = new PrometheusServer(proc, root, port);
    try {
      await eventually(`prometheus ready on ${p.url}`, async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`prometheus exited (${proc.exitCode ?? proc.signalCode}): ${p.logs()}`);
        const r = await fetch(`${p.url}/-/ready`);
        return r.status === 200 ? true : undefined;
      }, 30_000, 100);
    } catch (e) {
      await p.stop();
      throw e;
    }
    return p;
  }

  logs(): string {
    return this.output.join('');
  }

  /** Instant query through the HTTP API (/api/v1/query). Never throws on a PromQL error: the
   *  caller sees status 'error' and the message. */
  async query(expr: string): Promise<PromQueryResult> {
    const res = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }).toString(),
    });
    return (await res.json()) as PromQueryResult;
  }

  /** Health of every scrape target as Prometheus sees it. */
  async targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] } };
    return body.data.activeTargets;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGKILL');
      await exited;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
