// The simulated transport between members: every message and forwarded request is delivered
// after a drawn delay (so they reorder), or dropped, or cut by a partition. It is also where the
// simulator checks the Ready contract from the outside: a message may not promise what its
// sender's disk does not yet hold (a term or vote not durable, an acknowledged entry not
// durable, a commit index beyond what the sender has durably).

import type { Member } from '../../../../src/node/member.js';
import type { Clock, PeerLink } from '../../../../src/node/ports.js';
import { MessageType, type Message, type NodeId } from '../../../../src/raft/types.js';
import type { SimRng } from '../rng.js';
import type { SimDisk } from './disk.js';
import type { World } from './world.js';

export interface NetProfile {
  dropP: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export class ContractViolation extends Error {}

interface Endpoint {
  member: Member | null;
  disk: SimDisk;
  incarnation: number;
}

export class SimNet {
  private readonly endpoints = new Map<NodeId, Endpoint>();
  /** Directed links that are cut ("from>to"). */
  private readonly cut = new Set<string>();
  messages = 0;
  dropped = 0;
  requests = 0;

  constructor(
    private readonly world: World,
    private readonly rng: SimRng,
    public profile: NetProfile,
  ) {}

  register(id: NodeId, disk: SimDisk): void {
    this.endpoints.set(id, { member: null, disk, incarnation: 0 });
  }

  attach(id: NodeId, member: Member): void {
    this.endpoints.get(id)!.member = member;
  }

  /** The member is down: nothing reaches it, and what its old incarnation sends is void. */
  detach(id: NodeId): void {
    const ep = this.endpoints.get(id)!;
    ep.member = null;
    ep.incarnation++;
  }

  partition(groups: NodeId[][]): void {
    this.cut.clear();
    for (const a of groups) for (const b of groups) if (a !== b) for (const x of a) for (const y of b) this.cut.add(`${x}>${y}`);
  }

  isolate(id: NodeId, dir: 'in' | 'out' | 'both'): void {
    for (const other of this.endpoints.keys()) {
      if (other === id) continue;
      if (dir !== 'in') this.cut.add(`${id}>${other}`);
      if (dir !== 'out') this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  private blocked(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  private delay(): number {
    return this.rng.range(this.profile.minDelayMs, this.profile.maxDelayMs);
  }

  /** The PeerLink of one incarnation of member `self`. */
  link(self: NodeId, clock: Clock): PeerLink {
    const ep = this.endpoints.get(self)!;
    const inc = ep.incarnation;
    const live = () => ep.incarnation === inc;
    return {
      send: (msgs) => {
        if (!live()) return;
        for (const m of msgs) {
          this.checkContract(ep.disk, m);
          this.deliver(m);
        }
      },
      request: (to, payload, timeoutMs) =>
        new Promise<Uint8Array>((resolve, reject) => {
          this.requests++;
          if (this.blocked(self, to) && this.rng.chance(0.5)) {
            // No connection: the request was never sent.
            reject(Object.assign(new Error(`peer ${to} unreachable`), { code: 'PEER_UNREACHABLE', outcomeUnknown: false }));
            return;
          }
          let done = false;
          const timer = clock.after(timeoutMs, () => {
            if (done) return;
            done = true;
            reject(Object.assign(new Error(`no response from ${to} within ${timeoutMs} ms`), { code: 'TIMEOUT', outcomeUnknown: true }));
          });
          const copy = payload.slice();
          this.world.at(this.delay(), () => {
            const target = this.endpoints.get(to);
            if (!target?.member || this.blocked(self, to) || this.rng.chance(this.profile.dropP)) return;
            const targetInc = target.incarnation;
            void target.member.handlePeerRequest(self, copy).then((bytes) => {
              if (target.incarnation !== targetInc) return; // the answering member crashed
              this.world.at(this.delay(), () => {
                if (done || !live() || this.blocked(to, self) || this.rng.chance(this.profile.dropP)) return;
                done = true;
                timer.cancel();
                resolve(bytes);
              });
            });
          });
        }),
      setPeer: () => {},
      removePeer: () => {},
    };
  }

  private deliver(m: Message): void {
    this.messages++;
    const from = m.from;
    if (this.blocked(from, m.to) || this.rng.chance(this.profile.dropP)) {
      this.dropped++;
      if (m.type === MessageType.Snap) this.reportSnapshot(from, m.to, false);
      return;
    }
    const copy: Message = { ...m, entries: m.entries.slice() };
    this.world.at(this.delay(), () => {
      const target = this.endpoints.get(m.to);
      const ok = target?.member != null && !this.blocked(from, m.to);
      if (ok) target.member!.handlePeerMessage(copy);
      if (m.type === MessageType.Snap) this.reportSnapshot(from, m.to, ok);
    });
  }

  private reportSnapshot(from: NodeId, to: NodeId, ok: boolean): void {
    this.world.at(1, () => this.endpoints.get(from)?.member?.reportSnapshot(to, ok));
  }

  /** The Ready contract, seen from the wire: nothing is promised before it is durable. */
  private checkContract(disk: SimDisk, m: Message): void {
    const d = disk.durable();
    const fail = (what: string) => {
      const err = new ContractViolation(`ready-contract: member ${m.from} sent ${MessageType[m.type]} to ${m.to} (term ${m.term}, index ${m.index}, commit ${m.commit}) ${what}; durable: term ${d.term}, vote ${d.vote}, last index ${d.lastIndex}`);
      this.world.failure ??= err;
    };
    if (m.type !== MessageType.PreVote && m.type !== MessageType.PreVoteResp && m.term > d.term) fail('with a term not yet durable');
    else if (m.type === MessageType.VoteResp && !m.reject && (d.vote !== m.to || d.term !== m.term)) fail('granting a vote not yet durable');
    else if (m.type === MessageType.AppResp && !m.reject && m.index > d.lastIndex) fail('acknowledging entries not yet durable');
    else if ((m.type === MessageType.App || m.type === MessageType.Heartbeat) && m.commit > d.lastIndex) fail('with a commit index beyond its durable log');
  }
}
