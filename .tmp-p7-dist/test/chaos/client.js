// HTTP calls for the workload, with a deadline, sorted into the outcomes the checkers use.
export async function call(method, url, body, timeoutMs) {
    let res;
    try {
        res = await fetch(url, {
            method,
            headers: body === undefined ? undefined : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
        });
    }
    catch (err) {
        const e = err;
        const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
        const causeCode = e.cause?.code ?? '';
        return { ok: false, code: timedOut ? 'CLIENT_TIMEOUT' : causeCode || 'NETWORK', message: String(e.message ?? err), refused: causeCode === 'ECONNREFUSED', timedOut };
    }
    let text;
    try {
        text = await res.text();
    }
    catch (err) {
        return { ok: false, status: res.status, code: 'BODY_LOST', message: String(err), refused: false, timedOut: true };
    }
    let parsed = null;
    try {
        parsed = text.length ? JSON.parse(text) : null;
    }
    catch {
        parsed = text;
    }
    if (res.status >= 200 && res.status < 300)
        return { ok: true, status: res.status, body: parsed };
    const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : `HTTP_${res.status}`;
    const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : String(text).slice(0, 200);
    return { ok: false, status: res.status, code, message, refused: false, timedOut: false };
}
/** The outcome of a write request that did not succeed: did it take effect? */
export function writeFailureOutcome(r) {
    if (r.refused)
        return 'fail';
    if (r.status !== undefined && r.status >= 400 && r.status < 500)
        return 'fail';
    if (r.code === 'PROPOSAL_LOST')
        return 'fail';
    return 'unknown';
}
//# sourceMappingURL=client.js.map