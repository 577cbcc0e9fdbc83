// Checking and coding of commands. A command crosses the Raft log as JSON in UTF-8; every member
// validates it again before applying, so a malformed entry is refused the same way everywhere.

import type { Command, Compare, CompareOp, CompareTarget, TxnOp } from './commands.js';
import { StateError } from './errors.js';
import { RESERVED_PREFIX, HARD_LIMITS } from './limits.js';
import { ACCESS_VALUES, type Access } from './auth/auth-table.js';

type PutCommand = Extract<Command, { op: 'put' }>;
type DeleteCommand = Extract<Command, { op: 'delete' }>;
type LockReleaseCommand = Extract<Command, { op: 'lockRelease' }>;
type TxnPut = Extract<TxnOp, { put: unknown }>['put'];
type TxnGet = Extract<TxnOp, { get: unknown }>['get'];
type TxnDelete = Extract<TxnOp, { delete: unknown }>['delete'];

const COMPARE_TARGETS: ReadonlySet<string> = new Set<CompareTarget>(['value', 'version', 'createRevision', 'modRevision', 'lease', 'fencingToken']);
const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['=', '!=', '<', '>']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fail(message: string): never {
  throw new StateError('INVALID_COMMAND', message);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(o: Record<string, unknown>, field: string, where: string, maxLength: number, opts: { nonEmpty?: boolean } = {}): string {
  const v = o[field];
  if (typeof v !== 'string') fail(`${where}.${field} must be a string`);
  if (opts.nonEmpty && v.length === 0) fail(`${where}.${field} must not be empty`);
  if (v.length > maxLength) fail(`${where}.${field} is longer than ${maxLength}`);
  if (LONE_SURROGATE.test(v)) fail(`${where}.${field} is not valid Unicode (lone surrogate)`);
  return v;
}

function optStr(o: Record<string, unknown>, field: string, where: string, maxLength: number): string | undefined {
  return o[field] === undefined ? undefined : str(o, field, where, maxLength);
}

function optBool(o: Record<string, unknown>, field: string, where: string): boolean | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`${where}.${field} must be a boolean`);
  return v;
}

function int(o: Record<string, unknown>, field: string, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${where}.${field} must be an integer`);
  if (v < min || v > max) fail(`${where}.${field} must be in [${min}, ${max}]`);
  return v;
}

function optInt(o: Record<string, unknown>, field: string, where: string, min: number, max?: number): number | undefined {
  return o[field] === undefined ? undefined : int(o, field, where, min, max);
}

function key(o: Record<string, unknown>, field: string, where: string): string {
  return str(o, field, where, HARD_LIMITS.maxKeyLength, { nonEmpty: true });
}

/** A user write may not touch the reserved key space (the lock module writes it itself). */
function userWritableKey(k: string, where: string): string {
  if (k.startsWith(RESERVED_PREFIX)) fail(`${where}: keys under ${RESERVED_PREFIX} are reserved`);
  return k;
}

/**
 * Add an optional field only when it is present, so a validated command re-encodes without
 * `undefined`s. Fields are added, never deleted: an object that loses a property drops to V8's
 * slow dictionary layout, and every command is validated when proposed and again on every member
 * that applies it.
 */
function opt<T extends object, K extends keyof T>(o: T, field: K, v: T[K] | undefined): T {
  if (v !== undefined) o[field] = v;
  return o;
}

function validateCompare(x: unknown, where: string): Compare {
  if (!isObject(x)) fail(`${where} must be an object`);
  const target = x.target;
  if (typeof target !== 'string' || !COMPARE_TARGETS.has(target)) fail(`${where}.target must be one of ${[...COMPARE_TARGETS].join(', ')}`);
  const op = x.op;
  if (typeof op !== 'string' || !COMPARE_OPS.has(op)) fail(`${where}.op must be one of ${[...COMPARE_OPS].join(', ')}`);
  const k =
    target === 'fencingToken' ? str(x, 'key', where, HARD_LIMITS.maxLockNameLength, { nonEmpty: true }) : key(x, 'key', where);
  const value =
    target === 'value'
      ? str(x, 'value', where, HARD_LIMITS.maxValueLength)
      : target === 'lease'
        ? str(x, 'value', where, HARD_LIMITS.maxIdLength)
        : int(x, 'value', where, 0);
  return { key: k, target: target as CompareTarget, op: op as CompareOp, value };
}

function validateTxnOp(x: unknown, where: string): TxnOp {
  if (!isObject(x)) fail(`${where} must be an object`);
  const kinds = ['put', 'get', 'delete'].filter((k) => x[k] !== undefined);
  if (kinds.length !== 1) fail(`${where} must have exactly one of put, get, delete`);
  const body = x[kinds[0]!];
  const w = `${where}.${kinds[0]}`;
  if (!isObject(body)) fail(`${w} must be an object`);
  switch (kinds[0]) {
    case 'put': {
      const put: TxnPut = { key: userWritableKey(key(body, 'key', w), w), value: str(body, 'value', w, HARD_LIMITS.maxValueLength) };
      opt(put, 'lease', optStr(body, 'lease', w, HARD_LIMITS.maxIdLength));
      return { put: opt(put, 'prevKv', optBool(body, 'prevKv', w)) };
    }
    case 'get': {
      const prefix = optBool(body, 'prefix', w);
      const get: TxnGet = { key: prefix ? str(body, 'key', w, HARD_LIMITS.maxKeyLength) : key(body, 'key', w) };
      opt(get, 'prefix', prefix);
      return { get: opt(get, 'limit', optInt(body, 'limit', w, 0, HARD_LIMITS.maxRangeLimit)) };
    }
    default: {
      const prefix = optBool(body, 'prefix', w);
      const k = prefix ? str(body, 'key', w, HARD_LIMITS.maxKeyLength) : key(body, 'key', w);
      const del: TxnDelete = { key: userWritableKey(k, w) };
      opt(del, 'prefix', prefix);
      return { delete: opt(del, 'prevKv', optBool(body, 'prevKv', w)) };
    }
  }
}

/** User and role names: 1-64 characters of letters, digits and `. _ @ -`. */
export const AUTH_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

function authName(o: Record<string, unknown>, field: string, where: string): string {
  const v = str(o, field, where, 64, { nonEmpty: true });
  if (!AUTH_NAME_PATTERN.test(v)) fail(`${where}.${field} must be 1-64 characters of letters, digits, ".", "_", "@" or "-"`);
  return v;
}

function list<T>(o: Record<string, unknown>, field: string, where: string, max: number, each: (x: unknown, w: string) => T): T[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(`${where}.${field} must be an array`);
  if (v.length > max) fail(`${where}.${field} has more than ${max} entries`);
  return v.map((x, i) => each(x, `${where}.${field}[${i}]`));
}

/**
 * Check a decoded command and return a normalised copy holding only the known fields.
 * Throws a StateError with code INVALID_COMMAND and a message naming the bad field.
 */
export function validateCommand(x: unknown): Command {
  if (!isObject(x)) fail('command must be a JSON object');
  const w = 'command';
  switch (x.op) {
    case 'put': {
      const cmd: PutCommand = { op: 'put', key: userWritableKey(key(x, 'key', w), w), value: str(x, 'value', w, HARD_LIMITS.maxValueLength) };
      opt(cmd, 'lease', optStr(x, 'lease', w, HARD_LIMITS.maxIdLength));
      return opt(cmd, 'prevKv', optBool(x, 'prevKv', w));
    }
    case 'delete': {
      const prefix = optBool(x, 'prefix', w);
      const k = prefix ? str(x, 'key', w, HARD_LIMITS.maxKeyLength) : key(x, 'key', w);
      const cmd: DeleteCommand = { op: 'delete', key: userWritableKey(k, w) };
      opt(cmd, 'prefix', prefix);
      return opt(cmd, 'prevKv', optBool(x, 'prevKv', w));
    }
    case 'txn':
      return {
        op: 'txn',
        compare: list(x, 'compare', w, HARD_LIMITS.maxCompares, validateCompare),
        success: list(x, 'success', w, HARD_LIMITS.maxTxnOps, validateTxnOp),
        failure: list(x, 'failure', w, HARD_LIMITS.maxTxnOps, validateTxnOp),
      };
    case 'compact':
      return { op: 'compact', revision: int(x, 'revision', w, 0) };
    case 'leaseGrant':
      return {
        op: 'leaseGrant',
        id: str(x, 'id', w, HARD_LIMITS.maxIdLength, { nonEmpty: true }),
        ttlMs: int(x, 'ttlMs', w, 1, HARD_LIMITS.maxTtlMs),
      };
    case 'leaseRevoke': {
      const reason = x.reason;
      if (reason !== 'revoke' && reason !== 'expire') fail(`${w}.reason must be "revoke" or "expire"`);
      return { op: 'leaseRevoke', id: str(x, 'id', w, HARD_LIMITS.maxIdLength, { nonEmpty: true }), reason };
    }
    case 'lockAcquire':
      return {
        op: 'lockAcquire',
        name: str(x, 'name', w, HARD_LIMITS.maxLockNameLength, { nonEmpty: true }),
        lease: str(x, 'lease', w, HARD_LIMITS.maxIdLength, { nonEmpty: true }),
        waiterId: str(x, 'waiterId', w, HARD_LIMITS.maxIdLength, { nonEmpty: true }),
      };
    case 'lockCancel':
      return {
        op: 'lockCancel',
        name: str(x, 'name', w, HARD_LIMITS.maxLockNameLength, { nonEmpty: true }),
        waiterId: str(x, 'waiterId', w, HARD_LIMITS.maxIdLength, { nonEmpty: true }),
      };
    case 'lockRelease': {
      const cmd: LockReleaseCommand = { op: 'lockRelease', name: str(x, 'name', w, HARD_LIMITS.maxLockNameLength, { nonEmpty: true }) };
      opt(cmd, 'fencingToken', optInt(x, 'fencingToken', w, 1));
      opt(cmd, 'lease', optStr(x, 'lease', w, HARD_LIMITS.maxIdLength));
      if (cmd.fencingToken === undefined && cmd.lease === undefined) fail(`${w}: lockRelease needs fencingToken or lease`);
      return cmd;
    }
    case 'noop':
      return { op: 'noop' };
    case 'asUser': {
      if (!isObject(x.cmd)) fail(`${w}.cmd must be an object`);
      if (x.cmd.op === 'asUser') fail(`${w}.cmd must not be another asUser`);
      return { op: 'asUser', user: authName(x, 'user', w), generation: int(x, 'generation', w, 0), cmd: validateCommand(x.cmd) };
    }
    case 'authUserAdd':
    case 'authUserPassword':
      return { op: x.op, name: authName(x, 'name', w), passwordHash: str(x, 'passwordHash', w, 512, { nonEmpty: true }) };
    case 'authUserDelete':
    case 'authRoleAdd':
    case 'authRoleDelete':
      return { op: x.op, name: authName(x, 'name', w) };
    case 'authUserGrantRole':
    case 'authUserRevokeRole':
      return { op: x.op, name: authName(x, 'name', w), role: authName(x, 'role', w) };
    case 'authRoleGrantPermission': {
      const access = x.access;
      if (typeof access !== 'string' || !(ACCESS_VALUES as readonly string[]).includes(access)) fail(`${w}.access must be one of ${ACCESS_VALUES.join(', ')}`);
      return { op: 'authRoleGrantPermission', role: authName(x, 'role', w), prefix: str(x, 'prefix', w, HARD_LIMITS.maxKeyLength), access: access as Access };
    }
    case 'authRoleRevokePermission':
      return { op: 'authRoleRevokePermission', role: authName(x, 'role', w), prefix: str(x, 'prefix', w, HARD_LIMITS.maxKeyLength) };
    case 'authEnable': {
      const secret = str(x, 'secret', w, 128, { nonEmpty: true });
      if (!/^[0-9a-f]{32,128}$/.test(secret)) fail(`${w}.secret must be 32-128 lowercase hex digits`);
      return { op: 'authEnable', secret };
    }
    case 'authDisable':
      return { op: 'authDisable' };
    default:
      fail(`command.op ${JSON.stringify(x.op)} is not a known operation`);
  }
}

const encoder = new TextEncoder();

/**
 * The check a command passes when it is proposed, the same one apply makes: validated, encoded,
 * and within maxCommandBytes. Returns the log encoding; throws StateError(INVALID_COMMAND) naming
 * the field or the size. A command this accepts is never refused by apply for its shape.
 */
export function encodeProposal(cmd: Command): Uint8Array {
  const bytes = encodeCommand(validateCommand(cmd));
  if (bytes.length > HARD_LIMITS.maxCommandBytes) {
    throw new StateError('INVALID_COMMAND', `command is ${bytes.length} bytes, more than ${HARD_LIMITS.maxCommandBytes}`);
  }
  return bytes;
}
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON in UTF-8. */
export function encodeCommand(cmd: Command): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Decode and validate; throws StateError(INVALID_COMMAND) for an entry over maxCommandBytes,
 *  bad UTF-8, bad JSON or a bad command. */
export function decodeCommand(bytes: Uint8Array): Command {
  if (bytes.length > HARD_LIMITS.maxCommandBytes) {
    throw new StateError('INVALID_COMMAND', `command is ${bytes.length} bytes, more than ${HARD_LIMITS.maxCommandBytes}`);
  }
  let x: unknown;
  try {
    x = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new StateError('INVALID_COMMAND', `command is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  return validateCommand(x);
}
