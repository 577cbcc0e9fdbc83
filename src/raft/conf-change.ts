// Binary encoding of a one-server membership change, stored in a ConfChange entry's data.
//
// Layout (big-endian): u8 version (=1) | u8 type | u32 nodeId high | u32 nodeId low |
//                      u32 context length | context bytes.

import { invariant } from '../invariant/index.js';
import { ConfChangeType, type ConfChange, type ConfState } from './types.js';

const VERSION = 1;
const HEADER_BYTES = 1 + 1 + 4 + 4 + 4;
/** Upper bound on a conf change's opaque context (member name and URLs fit easily). */
export const MAX_CONF_CHANGE_CONTEXT_BYTES = 64 * 1024;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  invariant(Number.isSafeInteger(cc.nodeId) && cc.nodeId >= 0, () => `encodeConfChange: bad node id ${cc.nodeId}`);
  invariant(cc.context.byteLength <= MAX_CONF_CHANGE_CONTEXT_BYTES, 'encodeConfChange: context too large');
  const out = new Uint8Array(HEADER_BYTES + cc.context.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, VERSION);
  dv.setUint8(1, cc.type);
  dv.setUint32(2, Math.floor(cc.nodeId / 0x1_0000_0000));
  dv.setUint32(6, cc.nodeId >>> 0);
  dv.setUint32(10, cc.context.byteLength);
  out.set(cc.context, HEADER_BYTES);
  return out;
}

/** Decodes `encodeConfChange` output; throws InvariantError on malformed input (a committed
 *  conf change that cannot be decoded means the log is corrupt). */
export function decodeConfChange(data: Uint8Array): ConfChange {
  invariant(data.byteLength >= HEADER_BYTES, () => `decodeConfChange: ${data.byteLength} bytes is too short`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = dv.getUint8(0);
  invariant(version === VERSION, () => `decodeConfChange: unknown version ${version}`);
  const type = dv.getUint8(1);
  invariant(
    type === ConfChangeType.AddVoter || type === ConfChangeType.AddLearner || type === ConfChangeType.RemoveNode,
    () => `decodeConfChange: unknown type ${type}`,
  );
  const nodeId = dv.getUint32(2) * 0x1_0000_0000 + dv.getUint32(6);
  const len = dv.getUint32(10);
  invariant(HEADER_BYTES + len === data.byteLength, 'decodeConfChange: length mismatch');
  return { type, nodeId, context: data.slice(HEADER_BYTES) };
}

/**
 * Why a change is refused, or undefined when it is valid against `cs`. One server at a time:
 * AddVoter adds a new voter or promotes a learner; AddLearner adds a new learner or demotes a
 * voter; RemoveNode removes a voter or a learner. The last voter cannot be removed or demoted.
 */
export function validateConfChange(cs: ConfState, cc: ConfChange): string | undefined {
  if (!Number.isSafeInteger(cc.nodeId) || cc.nodeId <= 0) return `invalid node id ${cc.nodeId}`;
  const isVoter = cs.voters.includes(cc.nodeId);
  const isLearner = cs.learners.includes(cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddVoter:
      return isVoter ? `node ${cc.nodeId} is already a voter` : undefined;
    case ConfChangeType.AddLearner:
      if (isLearner) return `node ${cc.nodeId} is already a learner`;
      if (isVoter && cs.voters.length === 1) return `cannot demote the last voter ${cc.nodeId}`;
      return undefined;
    case ConfChangeType.RemoveNode:
      if (!isVoter && !isLearner) return `node ${cc.nodeId} is not a member`;
      if (isVoter && cs.voters.length === 1) return `cannot remove the last voter ${cc.nodeId}`;
      return undefined;
    default:
      return `unknown conf change type ${String(cc.type)}`;
  }
}

/** The membership after applying `cc` to `cs` (a new object; `cs` is not modified). Applying a
 *  change that is a no-op against `cs` (possible on replay) leaves the membership unchanged. */
export function applyConfChangeToState(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((id) => id !== cc.nodeId);
  const learners = cs.learners.filter((id) => id !== cc.nodeId);
  if (cc.type === ConfChangeType.AddVoter) voters.push(cc.nodeId);
  else if (cc.type === ConfChangeType.AddLearner) learners.push(cc.nodeId);
  voters.sort((a, b) => a - b);
  learners.sort((a, b) => a - b);
  return { voters, learners };
}


