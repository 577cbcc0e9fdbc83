// The durable home of one member's Raft state, as the driver (src/node) consumes it. Two
// implementations: RocksRaftStore (RocksDB, the real thing) and MemoryRaftStore (tests, the
// simulator). Both keep the same rules, enforced by LogTracker:
//  - the log is the latest snapshot followed by contiguous entries snapshot.index+1 .. last;
//  - an append starting at index i replaces every stored entry >= i (a conflicting suffix dies);
//  - a snapshot deletes every entry <= its index, all in the same atomic write.
export const MAX_META_KEY_BYTES = 256;
//# sourceMappingURL=raft-store.js.map