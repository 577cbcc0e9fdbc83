// Runs promtool (from Debian's `prometheus` package, or any promtool on PATH). Tests that need it
// FAIL with an install hint when it is missing: the checks must not silently disappear in CI.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
export function findPromtool() {
    const fromEnv = process.env['PROMTOOL'];
    if (fromEnv !== undefined && fromEnv !== '')
        return fromEnv;
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
        if (dir === '')
            continue;
        const p = join(dir, 'promtool');
        try {
            accessSync(p, constants.X_OK);
            return p;
        }
        catch {
            // keep looking
        }
    }
    throw new Error('promtool not found on PATH: install it (Debian: `apt-get install -y prometheus`, which provides /usr/bin/promtool) or set PROMTOOL=/path/to/promtool');
}
export function runPromtool(args, input, cwd) {
    const r = spawnSync(findPromtool(), args, { input, cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    if (r.error !== undefined)
        throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
//# sourceMappingURL=promtool.js.map