// What a command needs of the permissions table: the keys (or prefixes) it reads and writes, or
// the root role. The state machine checks a client's command with it at apply time; api/ checks
// reads and answers early with it.

import type { Command, TxnOp } from '../commands.js';
import { LOCK_KEY_PREFIX } from '../limits.js';
import type { AccessNeed } from './auth-table.js';

export type CommandNeeds = { root: true } | { root: false; needs: AccessNeed[] };

const read = (key: string, prefix = false): AccessNeed => ({ key, prefix, access: 'read' });
const write = (key: string, prefix = false): AccessNeed => ({ key, prefix, access: 'write' });

function txnOpNeeds(op: TxnOp): AccessNeed {
  if ('put' in op) return write(op.put.key);
  if ('get' in op) return read(op.get.key, op.get.prefix === true);
  return write(op.delete.key, op.delete.prefix === true);
}

/**
 * The access `cmd` needs. `leaseHolds(id)` lists what a lease's revoke would delete: its keys and
 * the reserved keys of the locks it holds or waits for (revoking needs write on all of them).
 */
export function commandNeeds(cmd: Command, leaseHolds: (id: string) => { keys: readonly string[]; locks: readonly string[] }): CommandNeeds {
  switch (cmd.op) {
    case 'put':
      return { root: false, needs: [write(cmd.key)] };
    case 'delete':
      return { root: false, needs: [write(cmd.key, cmd.prefix === true)] };
    case 'txn':
      return {
        root: false,
        needs: [
          ...cmd.compare.map((c) => read(c.target === 'fencingToken' ? LOCK_KEY_PREFIX + c.key : c.key)),
          ...cmd.success.map(txnOpNeeds),
          ...cmd.failure.map(txnOpNeeds),
        ],
      };
    case 'leaseGrant':
    case 'noop':
      return { root: false, needs: [] };
    case 'leaseRevoke': {
      const h = leaseHolds(cmd.id);
      return { root: false, needs: [...h.keys.map((k) => write(k)), ...h.locks.map((n) => write(LOCK_KEY_PREFIX + n))] };
    }
    case 'lockAcquire':
    case 'lockCancel':
    case 'lockRelease':
      return { root: false, needs: [write(LOCK_KEY_PREFIX + cmd.name)] };
    default:
      // compact, every auth command, and anything new: root only until said otherwise.
      return { root: true };
  }
}
