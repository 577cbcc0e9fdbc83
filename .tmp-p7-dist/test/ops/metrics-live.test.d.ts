/**
 * Lint findings promtool reports for `text`, one per line, minus the one we accept: prom-client's
 * default `nodejs_active_{handles,requests,resources}_total` are gauges whose names end in
 * `_total`, which promtool flags. Anything else (above all any raftlock_* finding) is returned.
 */
export declare function promtoolMetricsProblems(text: string): {
    problems: string[];
    status: number | null;
    raw: string;
};
