// The hooks the API layer reports through. api/ declares what it needs; src/metrics implements
// it (with prom-client on an explicit registry). Every hook is optional.
export function statusClassOf(status) {
    if (status >= 500)
        return '5xx';
    if (status >= 400)
        return '4xx';
    if (status >= 300)
        return '3xx';
    return '2xx';
}
//# sourceMappingURL=api-metrics.js.map