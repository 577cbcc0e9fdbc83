// Seeding a new cluster from a backup (raftlockctl snapshot restore), as etcdctl snapshot restore
// does: every new member's data directory starts with the same Raft snapshot — the backed-up
// state (keys with their revisions, leases, locks, watch history as far as it was kept) in the
// envelope a member's own snapshots use, with the NEW members as its membership — and a hard
// state that commits it. Started on such directories, raftlockd finds a snapshot and no log,
// loads it as it would after any restart, and the members elect a leader among themselves.

import type { HardState, Snapshot } from '../raft/types.js';
import { StateMachine } from '../state/index.js';
import type { SnapshotFileContents } from '../storage/snapshot-file.js';
import { snapshotEnvelopeHeader, type MemberRecord } from './members.js';

export interface RestoredStore {
  snapshot: Snapshot;
  hardState: HardState;
  /** What the restored state holds (for the operator's summary). */
  summary: { revision: number; keys: number; leases: number; locks: number; raftIndex: number };
}

/**
 * The snapshot and hard state to write into each new member's empty data directory. Throws an
 * Error naming the defect when the file's state bytes are not a consistent state snapshot.
 */
export function restoredStore(file: SnapshotFileContents, members: readonly MemberRecord[]): RestoredStore {
  if (members.length === 0) throw new Error('the new cluster needs at least one member');
  // The state machine's own loader checks everything (sorted keys, revisions, leases of every
  // key and lock, the lock keys, the history's continuity); a state it refuses is not restored.
  const sm = StateMachine.restore(file.data);
  if (sm.revision() !== file.header.revision) throw new Error(`the state is at revision ${sm.revision()}, the file's header says ${file.header.revision}`);
  const head = snapshotEnvelopeHeader([...members]);
  const data = new Uint8Array(head.length + file.data.length);
  data.set(head, 0);
  data.set(file.data, head.length);
  // The index the state was applied up to keeps its meaning (nothing compares it across
  // clusters); term 1 starts the new cluster's history.
  const index = Math.max(1, file.header.raftIndex);
  const voters = members.map((m) => m.id).sort((a, b) => a - b);
  return {
    snapshot: { metadata: { index, term: 1, confState: { voters, learners: [] } }, data },
    hardState: { term: 1, vote: 0, commit: index },
    summary: { revision: sm.revision(), keys: sm.range('', 1).count, leases: sm.leases().length, locks: sm.locks().length, raftIndex: index },
  };
}
