// raftlockctl auth / user / role: users, roles and permissions (docs/security.md), and the
// connection settings every command shares: --cacert, --cert, --key, --user.

import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Access, Client, ClientAuth, ClientTls } from '../../src/client/index.js';
import { table, type Printer } from './output.js';

/** The global flags for TLS and auth (each also an environment variable). */
export function addSecurityOptions(program: Command): void {
  program
    .addOption(new Option('--cacert <file>', 'PEM CA bundle that signed the members\' certificates (https endpoints)').env('RAFTLOCK_CACERT'))
    .addOption(new Option('--cert <file>', 'PEM client certificate, for members that require one').env('RAFTLOCK_CERT'))
    .addOption(new Option('--key <file>', 'PEM key of --cert').env('RAFTLOCK_KEY'))
    .addOption(new Option('--user <name[:password]>', 'authenticate as this user (the password from RAFTLOCK_PASSWORD when not given)').env('RAFTLOCK_USER'));
}

export interface SecurityOpts {
  cacert?: string;
  cert?: string;
  key?: string;
  user?: string;
}

/** Client options from the flags; throws an Error naming a file that cannot be read. */
export function securityOf(o: SecurityOpts, env: NodeJS.ProcessEnv): { tls?: ClientTls; auth?: ClientAuth } {
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`${flag} ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  };
  if ((o.cert === undefined) !== (o.key === undefined)) throw new Error('--cert and --key go together');
  const tls: ClientTls = {
    ...(o.cacert !== undefined ? { ca: read('--cacert', o.cacert) } : {}),
    ...(o.cert !== undefined ? { cert: read('--cert', o.cert) } : {}),
    ...(o.key !== undefined ? { key: read('--key', o.key) } : {}),
  };
  let auth: ClientAuth | undefined;
  if (o.user !== undefined) {
    const i = o.user.indexOf(':');
    const name = i < 0 ? o.user : o.user.slice(0, i);
    const password = i < 0 ? env.RAFTLOCK_PASSWORD : o.user.slice(i + 1);
    if (name === '') throw new Error('--user needs a name');
    if (password === undefined) throw new Error(`--user ${name}: give the password as --user ${name}:PASSWORD or in RAFTLOCK_PASSWORD`);
    auth = { name, password };
  }
  return { ...(Object.keys(tls).length > 0 ? { tls } : {}), ...(auth !== undefined ? { auth } : {}) };
}

type Ctx = (cmd: Command) => { client: Client; out: Printer };

const ACCESS: readonly Access[] = ['read', 'write', 'readwrite'];

export function registerAuthCommands(program: Command, ctx: Ctx): void {
  const done = (out: Printer, r: { authRevision: number }, what: string): void => out.print(r, () => `OK ${what} (auth revision ${r.authRevision})`);

  const auth = program.command('auth').description('turn authentication on or off, or show whether it is on');
  auth.command('enable').description('turn auth on (refused unless a user holds the root role)').action(async (_o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.enable(), 'auth enabled');
  });
  auth.command('disable').description('turn auth off (root)').action(async (_o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.disable(), 'auth disabled');
  });
  auth.command('status').description('whether auth is on, and as whom this client is authenticated').action(async (_o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    const s = await client.auth.status();
    out.print(s, () => `auth ${s.enabled ? 'enabled' : 'disabled'}${s.user !== undefined ? `, authenticated as ${s.user}` : ''} (auth revision ${s.authRevision})`);
  });

  const user = program.command('user').description('add, delete and list users; set passwords; grant and revoke roles');
  user.command('add').argument('<name>').argument('<password>').description('add a user').action(async (name: string, password: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.userAdd(name, password), `user ${name} added`);
  });
  user.command('delete').argument('<name>').description('delete a user (its tokens stop working)').action(async (name: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.userDelete(name), `user ${name} deleted`);
  });
  user.command('list').description('list users and their roles').action(async (_o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    const us = await client.auth.users();
    out.print({ users: us }, () => table(['USER', 'ROLES'], us.map((u) => [u.name, u.roles.join(',')])));
  });
  user.command('passwd').argument('<name>').argument('<password>').description('set a user\'s password (its tokens stop working)').action(async (name: string, password: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.userPassword(name, password), `password of ${name} changed`);
  });
  user.command('grant-role').argument('<name>').argument('<role>').description('give a user a role').action(async (name: string, role: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.userGrantRole(name, role), `role ${role} granted to ${name}`);
  });
  user.command('revoke-role').argument('<name>').argument('<role>').description('take a role from a user').action(async (name: string, role: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.userRevokeRole(name, role), `role ${role} revoked from ${name}`);
  });

  const role = program.command('role').description('add, delete and list roles; grant and revoke permissions on key prefixes');
  role.command('add').argument('<name>').description('add a role').action(async (name: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.roleAdd(name), `role ${name} added`);
  });
  role.command('delete').argument('<name>').description('delete a role (users lose it)').action(async (name: string, _o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    done(out, await client.auth.roleDelete(name), `role ${name} deleted`);
  });
  role.command('list').description('list roles and their permissions').action(async (_o: unknown, cmd: Command) => {
    const { client, out } = ctx(cmd);
    const rs = await client.auth.roles();
    out.print({ roles: rs }, () =>
      table(['ROLE', 'PREFIX', 'ACCESS'], rs.flatMap((r) => (r.permissions === 'all' ? [[r.name, '(everything)', 'readwrite']] : r.permissions.length === 0 ? [[r.name, '', '']] : r.permissions.map((p) => [r.name, p.prefix, p.access])))),
    );
  });
  role
    .command('grant-permission')
    .argument('<role>')
    .argument('<access>', `one of ${ACCESS.join(', ')}`)
    .argument('<prefix>', 'key prefix (covers keys and lock names; "" = everything)')
    .description('grant a role access on a key prefix')
    .action(async (r: string, access: string, prefix: string, _o: unknown, cmd: Command) => {
      if (!(ACCESS as readonly string[]).includes(access)) cmd.error(`access must be one of ${ACCESS.join(', ')} (got ${JSON.stringify(access)})`, { exitCode: 2 });
      const { client, out } = ctx(cmd);
      done(out, await client.auth.roleGrantPermission(r, prefix, access as Access), `${access} on ${JSON.stringify(prefix)} granted to ${r}`);
    });
  role
    .command('revoke-permission')
    .argument('<role>')
    .argument('<prefix>')
    .description('take a role\'s permission on a key prefix')
    .action(async (r: string, prefix: string, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      done(out, await client.auth.roleRevokePermission(r, prefix), `permission on ${JSON.stringify(prefix)} revoked from ${r}`);
    });
}
