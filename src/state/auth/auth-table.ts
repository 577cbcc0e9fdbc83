// Users, roles and permissions, replicated through the log so that every member enforces the same
// rules at the same revision. Deterministic like the rest of state/: commands carry everything
// (password hashes and the token secret are made by the proposing member, never here).
//
// A permission grants `read`, `write` or both on a key prefix. It covers keys and lock names
// alike (a lock named `app/job` needs write on a prefix of `app/job`); the reserved key of a lock,
// `_raftlock/locks/N`, is covered by what covers the name N. The built-in role `root` may do
// everything, including auth and membership changes.

import { LOCK_KEY_PREFIX } from '../limits.js';

export type Access = 'read' | 'write' | 'readwrite';
export const ACCESS_VALUES: readonly Access[] = ['read', 'write', 'readwrite'];
export const ROOT_ROLE = 'root';

export interface Permission {
  readonly prefix: string;
  readonly access: Access;
}

export interface UserRecord {
  readonly name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts); never the password. */
  readonly passwordHash: string;
  /** Sorted role names. */
  readonly roles: readonly string[];
  /** The auth revision at which this user was created or last had its password or roles changed;
   *  a token names it, so such a change ends every token issued before. */
  readonly generation: number;
}

export interface RoleRecord {
  readonly name: string;
  /** Sorted by prefix; at most one per prefix. */
  readonly permissions: readonly Permission[];
}

/** What one request needs: `access` on an exact key, or on every key under a prefix. */
export interface AccessNeed {
  readonly key: string;
  readonly prefix: boolean;
  readonly access: 'read' | 'write';
}

export type AuthCommand =
  | { op: 'authUserAdd'; name: string; passwordHash: string }
  | { op: 'authUserDelete'; name: string }
  | { op: 'authUserPassword'; name: string; passwordHash: string }
  | { op: 'authUserGrantRole'; name: string; role: string }
  | { op: 'authUserRevokeRole'; name: string; role: string }
  | { op: 'authRoleAdd'; name: string }
  | { op: 'authRoleDelete'; name: string }
  | { op: 'authRoleGrantPermission'; role: string; prefix: string; access: Access }
  | { op: 'authRoleRevokePermission'; role: string; prefix: string }
  /** `secret` (hex) signs tokens from now on; made by the proposer. */
  | { op: 'authEnable'; secret: string }
  | { op: 'authDisable' };

export const AUTH_OPS: ReadonlySet<string> = new Set([
  'authUserAdd', 'authUserDelete', 'authUserPassword', 'authUserGrantRole', 'authUserRevokeRole',
  'authRoleAdd', 'authRoleDelete', 'authRoleGrantPermission', 'authRoleRevokePermission', 'authEnable', 'authDisable',
]);

export type AuthErrorCode = 'USER_NOT_FOUND' | 'USER_EXISTS' | 'ROLE_NOT_FOUND' | 'ROLE_EXISTS' | 'PERMISSION_NOT_FOUND' | 'NO_ROOT_USER' | 'INVALID_COMMAND';

/** A refused auth command (deterministic: every member refuses it the same way). */
export class AuthRefusal extends Error {
  constructor(readonly code: AuthErrorCode, message: string) {
    super(message);
  }
}

/** The snapshot form; absent from a snapshot when auth was never used. */
export interface AuthDoc {
  enabled: boolean;
  secret: string;
  revision: number;
  users: [name: string, passwordHash: string, roles: string[], generation: number][];
  roles: [name: string, permissions: [prefix: string, access: Access][]][];
}

/** The read-only view api/ uses to authenticate and authorize requests. */
export interface AuthView {
  enabled(): boolean;
  /** Hex secret that signs tokens ('' while auth was never enabled). */
  secret(): string;
  /** Grows by one with every applied auth change. */
  revision(): number;
  user(name: string): UserRecord | undefined;
  users(): UserRecord[];
  role(name: string): RoleRecord | undefined;
  roles(): RoleRecord[];
  /** Whether `user` holds the root role. */
  isRoot(user: string): boolean;
  /** The first need `user` may not have, or undefined when every need is covered. */
  denied(user: string, needs: readonly AccessNeed[]): AccessNeed | undefined;
}

const covers = (a: Access, want: 'read' | 'write'): boolean => a === 'readwrite' || a === want;

/**
 * What a need on keys means for permissions: a reserved lock key stands for its lock name; a
 * prefix that reaches over all lock keys (such as "" or "_raft") also needs every lock name.
 */
export function permissionTargets(n: AccessNeed): AccessNeed[] {
  if (n.key.startsWith(LOCK_KEY_PREFIX)) return [{ ...n, key: n.key.slice(LOCK_KEY_PREFIX.length) }];
  if (n.prefix && LOCK_KEY_PREFIX.startsWith(n.key) && n.key !== '') return [n, { key: '', prefix: true, access: n.access }];
  return [n];
}

export class AuthTable implements AuthView {
  private on = false;
  private tokenSecret = '';
  private rev = 0;
  private readonly userMap = new Map<string, UserRecord>();
  private readonly roleMap = new Map<string, RoleRecord>();

  /** True once any auth command was applied (the snapshot then carries the table). */
  get used(): boolean {
    return this.rev > 0;
  }

  enabled(): boolean {
    return this.on;
  }
  secret(): string {
    return this.tokenSecret;
  }
  revision(): number {
    return this.rev;
  }
  user(name: string): UserRecord | undefined {
    return this.userMap.get(name);
  }
  users(): UserRecord[] {
    return [...this.userMap.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  role(name: string): RoleRecord | undefined {
    if (name === ROOT_ROLE) return { name: ROOT_ROLE, permissions: [] };
    return this.roleMap.get(name);
  }
  roles(): RoleRecord[] {
    return [{ name: ROOT_ROLE, permissions: [] }, ...[...this.roleMap.values()].sort((a, b) => (a.name < b.name ? -1 : 1))];
  }
  isRoot(user: string): boolean {
    return this.userMap.get(user)?.roles.includes(ROOT_ROLE) ?? false;
  }

  denied(user: string, needs: readonly AccessNeed[]): AccessNeed | undefined {
    const u = this.userMap.get(user);
    if (u === undefined) return needs[0];
    if (u.roles.includes(ROOT_ROLE)) return undefined;
    const perms: Permission[] = [];
    for (const r of u.roles) perms.push(...(this.roleMap.get(r)?.permissions ?? []));
    for (const need of needs) {
      for (const t of permissionTargets(need)) {
        const ok = perms.some((p) => covers(p.access, t.access) && t.key.startsWith(p.prefix));
        if (!ok) return need;
      }
    }
    return undefined;
  }

  /** Applies one auth command; throws AuthRefusal when it is refused (nothing changes then). */
  apply(cmd: AuthCommand): void {
    switch (cmd.op) {
      case 'authUserAdd':
        if (this.userMap.has(cmd.name)) throw new AuthRefusal('USER_EXISTS', `user ${JSON.stringify(cmd.name)} already exists`);
        this.userMap.set(cmd.name, { name: cmd.name, passwordHash: cmd.passwordHash, roles: [], generation: this.rev + 1 });
        break;
      case 'authUserDelete': {
        this.mustUser(cmd.name);
        this.keepRoot(cmd.name, null);
        this.userMap.delete(cmd.name);
        break;
      }
      case 'authUserPassword': {
        const u = this.mustUser(cmd.name);
        this.userMap.set(cmd.name, { ...u, passwordHash: cmd.passwordHash, generation: this.rev + 1 });
        break;
      }
      case 'authUserGrantRole': {
        const u = this.mustUser(cmd.name);
        if (this.role(cmd.role) === undefined) throw new AuthRefusal('ROLE_NOT_FOUND', `role ${JSON.stringify(cmd.role)} does not exist`);
        if (u.roles.includes(cmd.role)) return this.bump();
        this.userMap.set(cmd.name, { ...u, roles: [...u.roles, cmd.role].sort(), generation: this.rev + 1 });
        break;
      }
      case 'authUserRevokeRole': {
        const u = this.mustUser(cmd.name);
        if (!u.roles.includes(cmd.role)) throw new AuthRefusal('ROLE_NOT_FOUND', `user ${JSON.stringify(cmd.name)} does not have role ${JSON.stringify(cmd.role)}`);
        const roles = u.roles.filter((r) => r !== cmd.role);
        this.keepRoot(cmd.name, roles);
        this.userMap.set(cmd.name, { ...u, roles, generation: this.rev + 1 });
        break;
      }
      case 'authRoleAdd':
        if (cmd.name === ROOT_ROLE || this.roleMap.has(cmd.name)) throw new AuthRefusal('ROLE_EXISTS', `role ${JSON.stringify(cmd.name)} already exists`);
        this.roleMap.set(cmd.name, { name: cmd.name, permissions: [] });
        break;
      case 'authRoleDelete': {
        if (cmd.name === ROOT_ROLE) throw new AuthRefusal('INVALID_COMMAND', 'the built-in role root cannot be deleted');
        if (!this.roleMap.has(cmd.name)) throw new AuthRefusal('ROLE_NOT_FOUND', `role ${JSON.stringify(cmd.name)} does not exist`);
        this.roleMap.delete(cmd.name);
        for (const u of this.userMap.values()) {
          if (u.roles.includes(cmd.name)) this.userMap.set(u.name, { ...u, roles: u.roles.filter((r) => r !== cmd.name), generation: this.rev + 1 });
        }
        break;
      }
      case 'authRoleGrantPermission': {
        const r = this.mustRole(cmd.role);
        const permissions = [...r.permissions.filter((p) => p.prefix !== cmd.prefix), { prefix: cmd.prefix, access: cmd.access }].sort((a, b) =>
          a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0,
        );
        this.roleMap.set(r.name, { name: r.name, permissions });
        break;
      }
      case 'authRoleRevokePermission': {
        const r = this.mustRole(cmd.role);
        if (!r.permissions.some((p) => p.prefix === cmd.prefix)) {
          throw new AuthRefusal('PERMISSION_NOT_FOUND', `role ${JSON.stringify(cmd.role)} has no permission on prefix ${JSON.stringify(cmd.prefix)}`);
        }
        this.roleMap.set(r.name, { name: r.name, permissions: r.permissions.filter((p) => p.prefix !== cmd.prefix) });
        break;
      }
      case 'authEnable':
        if (![...this.userMap.values()].some((u) => u.roles.includes(ROOT_ROLE))) {
          throw new AuthRefusal('NO_ROOT_USER', 'auth cannot be enabled until a user holds the root role');
        }
        this.on = true;
        this.tokenSecret = cmd.secret;
        break;
      case 'authDisable':
        this.on = false;
        break;
    }
    this.bump();
  }

  private bump(): void {
    this.rev++;
  }

  private mustUser(name: string): UserRecord {
    const u = this.userMap.get(name);
    if (u === undefined) throw new AuthRefusal('USER_NOT_FOUND', `user ${JSON.stringify(name)} does not exist`);
    return u;
  }

  private mustRole(name: string): RoleRecord {
    if (name === ROOT_ROLE) throw new AuthRefusal('INVALID_COMMAND', 'the built-in role root has every permission; it takes no grants');
    const r = this.roleMap.get(name);
    if (r === undefined) throw new AuthRefusal('ROLE_NOT_FOUND', `role ${JSON.stringify(name)} does not exist`);
    return r;
  }

  /** While auth is on, some user must keep the root role (no locking everyone out). */
  private keepRoot(changing: string, newRoles: readonly string[] | null): void {
    if (!this.on) return;
    const stillRoot = [...this.userMap.values()].some((u) => (u.name === changing ? (newRoles ?? []).includes(ROOT_ROLE) : u.roles.includes(ROOT_ROLE)));
    if (!stillRoot) throw new AuthRefusal('NO_ROOT_USER', 'while auth is enabled, at least one user must keep the root role');
  }

  toDoc(): AuthDoc {
    return {
      enabled: this.on,
      secret: this.tokenSecret,
      revision: this.rev,
      users: this.users().map((u) => [u.name, u.passwordHash, [...u.roles], u.generation]),
      roles: [...this.roleMap.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => [r.name, r.permissions.map((p): [string, Access] => [p.prefix, p.access])]),
    };
  }

  /** Loads a snapshot's table; throws an Error naming the defect. */
  static fromDoc(doc: unknown): AuthTable {
    const bad = (what: string): never => {
      throw new Error(`invalid state snapshot: auth: ${what}`);
    };
    const t = new AuthTable();
    if (typeof doc !== 'object' || doc === null) return bad('not an object');
    const d = doc as Partial<AuthDoc>;
    if (typeof d.enabled !== 'boolean' || typeof d.secret !== 'string' || !Number.isSafeInteger(d.revision) || !Array.isArray(d.users) || !Array.isArray(d.roles)) {
      return bad('malformed');
    }
    t.on = d.enabled;
    t.tokenSecret = d.secret;
    t.rev = d.revision!;
    for (const r of d.roles) {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || !Array.isArray(r[1])) bad('malformed role');
      const permissions = r[1].map((p) => {
        if (!Array.isArray(p) || typeof p[0] !== 'string' || !ACCESS_VALUES.includes(p[1])) return bad(`malformed permission of role ${JSON.stringify(r[0])}`);
        return { prefix: p[0], access: p[1] };
      });
      t.roleMap.set(r[0], { name: r[0], permissions });
    }
    for (const u of d.users) {
      if (!Array.isArray(u) || typeof u[0] !== 'string' || typeof u[1] !== 'string' || !Array.isArray(u[2]) || !Number.isSafeInteger(u[3])) bad('malformed user');
      for (const role of u[2]) if (t.role(role) === undefined) bad(`user ${JSON.stringify(u[0])} has unknown role ${JSON.stringify(role)}`);
      t.userMap.set(u[0], { name: u[0], passwordHash: u[1], roles: [...u[2]], generation: u[3] });
    }
    return t;
  }
}
