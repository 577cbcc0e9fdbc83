// The bench's put, get and lock workloads through the etcd v3 gRPC API (`--target etcd-grpc`):
// against raftlock's etcd listener or, with the same client code, against etcd itself.

import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../src/etcd/index.js';

export interface GrpcEndpoint {
  host: string;
  port: number;
}

type Stub = grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: any) => void) => void>;

/** Channels per endpoint: simulated clients share them (HTTP/2 multiplexes their calls). */
const CHANNELS = 4;

export class EtcdGrpcOps {
  private readonly pkgs = loadEtcdProtos();
  private readonly stubs = new Map<string, Stub>();
  private readonly leases = new Map<number, string>();

  private stub(pkg: string, service: string, ep: GrpcEndpoint, slot: number): Stub {
    const key = `${pkg}.${service}@${ep.host}:${ep.port}/${slot % CHANNELS}`;
    let s = this.stubs.get(key);
    if (!s) {
      const Ctor = (this.pkgs[pkg] as grpc.GrpcObject)[service] as grpc.ServiceClientConstructor;
      // a distinct channel per slot: otherwise grpc-js shares one connection per target
      s = new Ctor(`${ep.host}:${ep.port}`, grpc.credentials.createInsecure(), { 'grpc.channel_slot': slot % CHANNELS, 'grpc.use_local_subchannel_pool': 1 }) as unknown as Stub;
      this.stubs.set(key, s);
    }
    return s;
  }

  private call<T = any>(pkg: string, service: string, method: string, ep: GrpcEndpoint, slot: number, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => this.stub(pkg, service, ep, slot)[method]!(req, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  put(value: string): (ep: GrpcEndpoint, w: number, i: number) => Promise<boolean> {
    const v = Buffer.from(value);
    return async (ep, w, i) => {
      await this.call('etcdserverpb', 'KV', 'Put', ep, w, { key: Buffer.from(`bench/${w}/${i % 100}`), value: v });
      return true;
    };
  }

  get(): (ep: GrpcEndpoint, w: number, i: number) => Promise<boolean> {
    return async (ep, w, i) => {
      await this.call('etcdserverpb', 'KV', 'Range', ep, w, { key: Buffer.from(`bench/${w}/${i % 100}`) });
      return true;
    };
  }

  /** Lock and unlock through v3lockpb, one lock per simulated client, on a lease of its own. */
  lock(): (ep: GrpcEndpoint, w: number) => Promise<boolean> {
    return async (ep, w) => {
      let lease = this.leases.get(w);
      if (lease === undefined) {
        lease = String((await this.call<{ ID: string }>('etcdserverpb', 'Lease', 'LeaseGrant', ep, w, { TTL: 60 })).ID);
        this.leases.set(w, lease);
      }
      const r = await this.call<{ key: Buffer }>('v3lockpb', 'Lock', 'Lock', ep, w, { name: Buffer.from(`bench-lock-${w}`), lease });
      await this.call('v3lockpb', 'Lock', 'Unlock', ep, w, { key: r.key });
      return true;
    };
  }

  /** The endpoints that answer Status as the leader (all of them if none does). */
  async leader(eps: GrpcEndpoint[]): Promise<GrpcEndpoint[]> {
    for (const ep of eps) {
      try {
        const st = await this.call<{ header: { member_id: string }; leader: string }>('etcdserverpb', 'Maintenance', 'Status', ep, 0, {});
        if (String(st.header.member_id) === String(st.leader)) return [ep];
      } catch {
        // try the next one
      }
    }
    return eps;
  }

  close(): void {
    for (const s of this.stubs.values()) s.close();
  }
}
