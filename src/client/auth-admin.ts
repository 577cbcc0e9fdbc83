// Users, roles and permissions (docs/security.md): `client.auth`. Root only once auth is on.
// Every change is a write ('write' retry rules); the answers carry the auth table's revision.

import type { HttpTransport } from './http-transport.js';

export type Access = 'read' | 'write' | 'readwrite';
export interface AuthUser {
  name: string;
  roles: string[];
}
export interface AuthRole {
  name: string;
  /** `'all'` for the built-in root role. */
  permissions: { prefix: string; access: Access }[] | 'all';
}
export interface AuthStatus {
  enabled: boolean;
  authRevision: number;
  /** The user this client is authenticated as, when auth is on. */
  user?: string;
}

const seg = (s: string): string => encodeURIComponent(s);

export class AuthAdmin {
  constructor(private readonly t: HttpTransport) {}

  private change(method: 'POST' | 'DELETE', path: string, body?: unknown, query?: Record<string, string>): Promise<{ authRevision: number }> {
    return this.t.request({ method, path, retry: 'write', ...(body !== undefined ? { body } : {}), ...(query !== undefined ? { query } : {}) });
  }

  status(): Promise<AuthStatus> {
    return this.t.request({ method: 'GET', path: '/v1/auth/status', retry: 'read' });
  }
  enable(): Promise<{ authRevision: number }> {
    return this.change('POST', '/v1/auth/enable');
  }
  disable(): Promise<{ authRevision: number }> {
    return this.change('POST', '/v1/auth/disable');
  }
  async users(): Promise<AuthUser[]> {
    return (await this.t.request<{ users: AuthUser[] }>({ method: 'GET', path: '/v1/auth/users', retry: 'read' })).users;
  }
  userAdd(name: string, password: string): Promise<{ authRevision: number }> {
    return this.change('POST', '/v1/auth/users', { name, password });
  }
  userDelete(name: string): Promise<{ authRevision: number }> {
    return this.change('DELETE', `/v1/auth/users/${seg(name)}`);
  }
  userPassword(name: string, password: string): Promise<{ authRevision: number }> {
    return this.change('POST', `/v1/auth/users/${seg(name)}/password`, { password });
  }
  userGrantRole(name: string, role: string): Promise<{ authRevision: number }> {
    return this.change('POST', `/v1/auth/users/${seg(name)}/roles`, { role });
  }
  userRevokeRole(name: string, role: string): Promise<{ authRevision: number }> {
    return this.change('DELETE', `/v1/auth/users/${seg(name)}/roles/${seg(role)}`);
  }
  async roles(): Promise<AuthRole[]> {
    return (await this.t.request<{ roles: AuthRole[] }>({ method: 'GET', path: '/v1/auth/roles', retry: 'read' })).roles;
  }
  roleAdd(name: string): Promise<{ authRevision: number }> {
    return this.change('POST', '/v1/auth/roles', { name });
  }
  roleDelete(name: string): Promise<{ authRevision: number }> {
    return this.change('DELETE', `/v1/auth/roles/${seg(name)}`);
  }
  roleGrantPermission(role: string, prefix: string, access: Access): Promise<{ authRevision: number }> {
    return this.change('POST', `/v1/auth/roles/${seg(role)}/permissions`, { prefix, access });
  }
  roleRevokePermission(role: string, prefix: string): Promise<{ authRevision: number }> {
    return this.change('DELETE', `/v1/auth/roles/${seg(role)}/permissions`, undefined, { prefix });
  }
}
