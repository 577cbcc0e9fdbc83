import { type ConfChange, type ConfState } from './types.js';
/** Upper bound on a conf change's opaque context (member name and URLs fit easily). */
export declare const MAX_CONF_CHANGE_CONTEXT_BYTES: number;
export declare function encodeConfChange(cc: ConfChange): Uint8Array;
/** Decodes `encodeConfChange` output; throws RaftInvariantError on malformed input (a committed
 *  conf change that cannot be decoded means the log is corrupt). */
export declare function decodeConfChange(data: Uint8Array): ConfChange;
/**
 * Why a change is refused, or undefined when it is valid against `cs`. One server at a time:
 * AddVoter adds a new voter or promotes a learner; AddLearner adds a new learner or demotes a
 * voter; RemoveNode removes a voter or a learner. The last voter cannot be removed or demoted.
 */
export declare function validateConfChange(cs: ConfState, cc: ConfChange): string | undefined;
/** The membership after applying `cc` to `cs` (a new object; `cs` is not modified). Applying a
 *  change that is a no-op against `cs` (possible on replay) leaves the membership unchanged. */
export declare function applyConfChangeToState(cs: ConfState, cc: ConfChange): ConfState;
