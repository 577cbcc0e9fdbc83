// JSON shapes sent to clients, built from state types. Copying field by field keeps internal
// fields (e.g. a lock waiter's id) out of responses and fixes the public contract in one place.
import { CodedError } from './errors.js';
export function kvJson(kv) {
    return {
        key: kv.key,
        value: kv.value,
        createRevision: kv.createRevision,
        modRevision: kv.modRevision,
        version: kv.version,
        lease: kv.lease,
    };
}
export function holderJson(h) {
    if (!h)
        return null;
    return { name: h.name, lease: h.lease, fencingToken: h.fencingToken, revision: h.revision };
}
export function waiterJson(w) {
    return { lease: w.lease, revision: w.revision };
}
export function eventJson(ev, withPrevKv) {
    const out = { type: ev.type, kv: kvJson(ev.kv) };
    if (withPrevKv && ev.prevKv)
        out.prevKv = kvJson(ev.prevKv);
    return out;
}
/** The result of a proposal, narrowed to the op we proposed. A refusal by apply becomes its coded
 *  error; a result for a different op is a broken contract and fails loudly. */
export function expectResult(result, op) {
    if (result.op === 'error') {
        throw new CodedError(result.code, result.message, { details: { revision: result.revision } });
    }
    if (result.op !== op) {
        throw new Error(`invariant: proposed a "${op}" command but its result is for "${result.op}"`);
    }
    return result;
}
//# sourceMappingURL=wire.js.map