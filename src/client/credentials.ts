// TLS material and a user's token, for every request and watch socket of one client.
//
// The token comes from POST /v1/auth/authenticate and is renewed before it expires (once two
// thirds of its lifetime have passed), and at once when a member answers 401 UNAUTHENTICATED
// (the user's password or roles changed, or auth was re-enabled). One renewal runs at a time;
// concurrent callers share it.

import { RaftlockError } from './errors.js';

/** PEM contents (not paths): the CA that signed the members' certificates, and the client's own
 *  certificate and key for members that require one. */
export interface ClientTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ClientAuth {
  name: string;
  password: string;
}

/** How a client obtains a token: one authenticate call on some endpoint. */
export type Authenticate = (name: string, password: string) => Promise<{ token: string; ttl: number }>;

export class TokenSource {
  private token: string | undefined;
  /** ms since the epoch when the token should be renewed. */
  private renewAt = 0;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly auth: ClientAuth,
    private readonly authenticate: Authenticate,
    private readonly now: () => number = Date.now,
  ) {
    if (typeof auth.name !== 'string' || auth.name === '' || typeof auth.password !== 'string') {
      throw new RaftlockError('INVALID_ARGUMENT', 'auth needs a name and a password');
    }
  }

  /** A token that is not near its end; fetched or renewed as needed. */
  async current(): Promise<string> {
    if (this.token !== undefined && this.now() < this.renewAt) return this.token;
    return this.renew();
  }

  /** The token in hand, if any, without waiting (watch sockets read it when they reconnect). */
  peek(): string | undefined {
    return this.token;
  }

  /** Forget the token (a member refused it) and get a new one. */
  renew(): Promise<string> {
    this.inflight ??= (async () => {
      try {
        const r = await this.authenticate(this.auth.name, this.auth.password);
        this.token = r.token;
        this.renewAt = this.now() + Math.max(1, r.ttl) * 1000 * (2 / 3);
        return r.token;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}
