export declare function findPrometheus(): string;
export interface PromSample {
    metric: Record<string, string>;
    value: [number, string];
}
export interface PromQueryResult {
    status: 'success' | 'error';
    errorType?: string;
    error?: string;
    data?: {
        resultType: string;
        result: PromSample[] | [number, string];
    };
}
export interface PrometheusOptions {
    /** Scrape targets, `host:port`. */
    targets: readonly string[];
    /** job_name; the dashboard's $job and the alerts expect `raftlock` (the ServiceMonitor's). */
    job: string;
    /** Scrape interval in seconds (default 1). */
    scrapeIntervalSeconds?: number;
}
export declare class PrometheusServer {
    private readonly proc;
    private readonly root;
    readonly url: string;
    private readonly output;
    private constructor();
    /** Starts Prometheus and waits until /-/ready answers 200. */
    static start(opts: PrometheusOptions): Promise<PrometheusServer>;
    logs(): string;
    /** Instant query through the HTTP API (/api/v1/query). Never throws on a PromQL error: the
     *  caller sees status 'error' and the message. */
    query(expr: string): Promise<PromQueryResult>;
    /** Health of every scrape target as Prometheus sees it. */
    targets(): Promise<{
        scrapeUrl: string;
        health: string;
        lastError: string;
    }[]>;
    stop(): Promise<void>;
}
