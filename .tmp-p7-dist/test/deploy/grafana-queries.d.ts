export declare const DASHBOARD_PATH: string;
export interface PanelQuery {
    readonly panelId: number;
    readonly panelTitle: string;
    readonly refId: string;
    /** As written in the dashboard, with Grafana variables ($instance, $job, $__rate_interval). */
    readonly expr: string;
}
/** Every panel query of the dashboard (rows' nested panels included), in panel order. */
export declare function listDashboardQueries(path?: string): PanelQuery[];
/**
 * Replaces the dashboard's Grafana variables with concrete values so a query can be sent to
 * Prometheus directly. Defaults select everything: job and instance `.*`, rate interval `1m`.
 */
export declare function expandGrafanaVariables(expr: string, vars?: {
    job?: string;
    instance?: string;
    rateInterval?: string;
}): string;
