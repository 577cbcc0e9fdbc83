// What the chaos workload records. Times are milliseconds on one monotonic clock
// (performance.now() of the test process), so invocations and completions of different clients
// can be compared: operation A precedes B in real time iff A.completeMs < B.invokeMs.
export function fmtMs(ms) {
    return ms === undefined || !Number.isFinite(ms) ? '?' : ms.toFixed(1);
}
export function fmtKvOp(op) {
    const span = `[${fmtMs(op.invokeMs)} .. ${op.outcome === 'unknown' ? '?' : fmtMs(op.completeMs)}]`;
    let what;
    switch (op.kind) {
        case 'read':
            what = `read ${op.key} -> ${op.outcome === 'ok' ? JSON.stringify(op.read) : op.outcome}`;
            break;
        case 'write':
            what = `write ${op.key} := ${JSON.stringify(op.value)} -> ${op.outcome}${op.revision !== undefined ? ` rev ${op.revision}` : ''}`;
            break;
        case 'cas':
            what = `cas ${op.key} ${JSON.stringify(op.expect)} -> ${JSON.stringify(op.value)} -> ${op.outcome === 'ok' ? (op.succeeded ? 'succeeded' : 'compare failed') : op.outcome}${op.revision !== undefined ? ` rev ${op.revision}` : ''}`;
            break;
    }
    return `#${op.id} ${op.client}${op.member ? `@${op.member}` : ''} ${span} ${what}${op.error ? ` (${op.error})` : ''}`;
}
//# sourceMappingURL=history.js.map