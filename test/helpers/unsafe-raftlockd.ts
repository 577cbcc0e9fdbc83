#!/usr/bin/env node
// TEST-ONLY entry point: raftlockd with the unsafe test hooks the fault-injection suite turns on
// to show its checkers catch a broken member. The production daemon (cmd/raftlockd.ts) has no
// such flags; spawnDaemon (process-cluster.ts) starts this file instead when a test asks for one.
//   --testing-unsafe-local-reads        linearizable reads from local state, without ReadIndex
//   --testing-unsafe-ack-before-commit  puts/deletes answered once the leader persisted them

import type { MemberTestHooks } from '../../src/node/test-hooks.js';
import { main } from '../../cmd/raftlockd.js';

export const UNSAFE_FLAGS: Record<string, keyof MemberTestHooks> = {
  '--testing-unsafe-local-reads': 'localReads',
  '--testing-unsafe-ack-before-commit': 'ackBeforeCommit',
};

const hooks: MemberTestHooks = {};
const argv = process.argv.filter((a) => {
  const hook = UNSAFE_FLAGS[a];
  if (hook === undefined) return true;
  (hooks as Record<string, boolean>)[hook] = true;
  return false;
});
main(argv, hooks).catch((err: unknown) => {
  process.stderr.write(`unsafe-raftlockd: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
