// Runs the built raftlockctl as a child process (no RAFTLOCK_ENDPOINTS from the runner's own
// environment) and collects its exit code and output.

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/cmd/raftlockctl.js (tests run from dist/test/...). */
export const CTL = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/raftlockctl.js');

export interface CtlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCtl(args: string[]): Promise<CtlRun> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    delete env.RAFTLOCK_ENDPOINTS;
    const p = spawn(process.execPath, [CTL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}
