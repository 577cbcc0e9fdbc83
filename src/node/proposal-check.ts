// The check a command passes on its way into the log, before raft.propose: the state machine's
// own validation and its size limit (encodeProposal, HARD_LIMITS), so a command apply would
// refuse for its shape is answered 400 INVALID_COMMAND at once and never replicated. The member
// calls it where it appends a proposal (the leader's, for its own clients and forwarded ones).

import { CodedError } from '../api/errors.js';
import type { Command } from '../state/commands.js';
import { StateError, encodeProposal } from '../state/index.js';

/** The log encoding of `cmd`, or a CodedError (INVALID_COMMAND) naming what is wrong with it. */
export function proposalBytes(cmd: Command): Uint8Array {
  try {
    return encodeProposal(cmd);
  } catch (e) {
    if (e instanceof StateError) throw new CodedError(e.code, e.message);
    throw e;
  }
}
