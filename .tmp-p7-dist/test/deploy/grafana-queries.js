// Lists every PromQL query of the raftlock Grafana dashboard, for the offline checks here and for
// a live-Prometheus test that runs them against a real cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
export const DASHBOARD_PATH = join(fileURLToPath(new URL('../../../', import.meta.url)), 'grafana', 'dashboards', 'raftlock.json');
/** Every panel query of the dashboard (rows' nested panels included), in panel order. */
export function listDashboardQueries(path = DASHBOARD_PATH) {
    const dash = JSON.parse(readFileSync(path, 'utf8'));
    const out = [];
    const walk = (panels) => {
        for (const p of panels) {
            for (const t of p.targets ?? []) {
                if (typeof t.expr !== 'string' || t.expr.trim() === '')
                    throw new Error(`panel ${p.id} "${p.title}" target ${t.refId} has no expr`);
                out.push({ panelId: p.id, panelTitle: p.title, refId: t.refId, expr: t.expr });
            }
            if (p.panels !== undefined)
                walk(p.panels);
        }
    };
    walk(dash.panels);
    return out;
}
/**
 * Replaces the dashboard's Grafana variables with concrete values so a query can be sent to
 * Prometheus directly. Defaults select everything: job and instance `.*`, rate interval `1m`.
 */
export function expandGrafanaVariables(expr, vars = {}) {
    return expr
        .replaceAll('$__rate_interval', vars.rateInterval ?? '1m')
        .replaceAll('$instance', vars.instance ?? '.*')
        .replaceAll('$job', vars.job ?? '.*');
}
//# sourceMappingURL=grafana-queries.js.map