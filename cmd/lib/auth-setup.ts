// The REST calls that turn auth on with two users: `root` (role root) and one service user whose
// role has `access` on exactly one prefix. Made while auth is still off; the last call enables it.

export type AuthStep = readonly [method: 'POST' | 'PUT', path: string, body: unknown];

export function authSetupSteps(o: {
  rootPassword: string;
  user: string;
  password: string;
  role: string;
  prefixes: readonly string[];
  access?: 'read' | 'write' | 'readwrite';
}): AuthStep[] {
  return [
    ['POST', '/v1/auth/users', { name: 'root', password: o.rootPassword }],
    ['POST', '/v1/auth/users/root/roles', { role: 'root' }],
    ['POST', '/v1/auth/users', { name: o.user, password: o.password }],
    ['POST', '/v1/auth/roles', { name: o.role }],
    ...o.prefixes.map((prefix): AuthStep => ['POST', `/v1/auth/roles/${o.role}/permissions`, { prefix, access: o.access ?? 'readwrite' }]),
    ['POST', `/v1/auth/users/${o.user}/roles`, { role: o.role }],
    ['POST', '/v1/auth/enable', undefined],
  ];
}
