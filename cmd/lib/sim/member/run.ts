// One seed of the member simulation: real Members (driver, state machine with keys, leases,
// locks and watches) over simulated disks, network and clock, with simulated clients.
//   1. safety phase: clients work while faults (crashes that lose unsynced writes, partitions,
//      an isolated leader, lossy and slow links) come and go; Raft's properties and the Ready
//      contract are checked as it runs;
//   2. liveness phase: faults heal and every member restarts; a final write must succeed, every
//      member must apply it and every watcher must catch up;
//   3. the histories are checked: KV linearizability, lock exclusion under the lease rule with
//      rising fencing tokens, watch completeness.
// Everything is drawn from the seed; a failure names its check and prints a replay command.

import { Member, type MemberOptions } from '../../../../src/node/member.js';
import type { MemberRecord } from '../../../../src/node/members.js';
import type { MemberTestHooks } from '../../../../src/node/test-hooks.js';
import { EntryType, StateRole, type Entry } from '../../../../src/raft/types.js';
import { StateMachine } from '../../../../src/state/index.js';
import { SimRng } from '../rng.js';
import { Trace } from '../trace.js';
import { CheckFailure, checkKvLinearizable, checkLocks, checkWatch, type HoldRecord, type KvRecord, type WatchBatch, type WatchRecord } from './checks.js';
import { call, describeEvent, kvClient, lockClient, stopWatchers, watchClient, type ClientEnv, type Members } from './clients.js';
import { SimDisk } from './disk.js';
import { MEMBER_MUTATIONS, type MemberMutationName, type MutationSetup } from './mutations.js';
import { ContractViolation, SimNet } from './net.js';
import { World } from './world.js';

export interface MemberRunOptions {
  seed: number;
  mutation?: MemberMutationName;
  /** Simulated ms of client work and faults (default 2500). */
  safetyMs?: number;
  traceSize?: number;
}

export interface MemberSeedResult {
  seed: number;
  ok: boolean;
  voters: number;
  learner: boolean;
  mutation?: MemberMutationName;
  failure?: { check: string; message: string; time: number };
  trace?: string;
  /** Simulated ms, events run, and what the clients and faults did. */
  simMs: number;
  events: number;
  counts: Map<string, number>;
}

const PREFIX = 'k/';
const HISTORY_REVISIONS = 1_000_000;
/** How often election safety is sampled (simulated ms; a tick is 10). */
const SAMPLE_MS = 20;

interface Slot {
  rec: MemberRecord;
  disk: SimDisk;
  member: Member | null;
  kill: (() => void) | null;
  downListeners: Set<() => void>;
  join: boolean;
  starting: boolean;
}

export async function runMemberSeed(opts: MemberRunOptions): Promise<MemberSeedResult> {
  const rng = new SimRng(opts.seed);
  const setup = rng.fork();
  const mut = opts.mutation !== undefined ? MEMBER_MUTATIONS[opts.mutation] : undefined;
  const mutSetup: MutationSetup = mut?.setup ?? {};
  const hooks: MemberTestHooks = mut ? { ...mut.hooks } : {};
  // Every setup draw happens whatever the mutation, so a seed's world is the same with and
  // without one (only the forced choices differ).
  const drawnVoters = setup.pick([1, 3, 3, 3, 5]);
  const drawnLearner = setup.chance(0.2);
  const voters = mutSetup.voters ?? drawnVoters;
  const learner = mutSetup.learner ?? drawnLearner;
  const drawnDrop = setup.pick([0, 0.01, 0.03, 0.08]);
  const drawnDelay = setup.pick([2, 5, 15, 40]);
  const drawnDisk = setup.pick([1, 3, 8, 20]);
  const netProfile = { dropP: drawnDrop, minDelayMs: 1, maxDelayMs: mutSetup.slow ? 40 : drawnDelay };
  const diskProfile = { minMs: 0, maxMs: mutSetup.slow ? 20 : drawnDisk };
  const snapshotThreshold = setup.pick([1_000_000, 1_000_000, 40, 150]);
  const drawnLockHeavy = setup.chance(0.5);
  const lockHeavy = mutSetup.lockHeavy ?? drawnLockHeavy;
  const safetyMs = opts.safetyMs ?? 2_500;

  const world = new World();
  const trace = new Trace(opts.traceSize ?? 200);
  const note = (text: string) => trace.add(world.now(), text);
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const net = new SimNet(world, rng.fork(), netProfile);
  const diskRng = rng.fork();
  const memberRng = rng.fork();
  const faultRng = rng.fork();

  const total = voters + (learner ? 1 : 0);
  const slots: Slot[] = [];
  for (let i = 0; i < total; i++) {
    const id = i + 1;
    const rec: MemberRecord = { id, name: `m${id}`, peerUrl: `sim://${id}`, clientUrl: `sim://${id}/client` };
    const disk = new SimDisk(world, diskRng.fork(), diskProfile);
    net.register(id, disk);
    slots.push({ rec, disk, member: null, kill: null, downListeners: new Set(), join: i >= voters, starting: false });
  }
  const founders = slots.filter((s) => !s.join).map((s) => s.rec);

  // State machine safety, as entries are applied on any member: one entry per index, ever.
  const appliedAt = new Map<number, Entry>();
  const onApplied = (who: number) => (e: Entry) => {
    const prev = appliedAt.get(e.index);
    if (prev === undefined) appliedAt.set(e.index, e);
    else if (prev.term !== e.term || !sameBytes(prev.data, e.data)) {
      world.failure ??= new CheckFailure('state-machine-safety', `member ${who} applied entry ${e.index} of term ${e.term}; another member applied term ${prev.term} there`);
    }
  };

  const start = (s: Slot): void => {
    if (s.member || s.starting) return;
    s.starting = true;
    const { clock, kill } = world.clockFor();
    s.kill = kill;
    const o: MemberOptions = {
      self: s.rec,
      initialMembers: founders,
      join: s.join,
      tickMs: 10,
      electionTicks: 10,
      heartbeatTicks: 1,
      snapshotThreshold,
      historyRevisions: HISTORY_REVISIONS,
      maxPendingProposals: 1_000,
      maxWatchers: 100,
      requestTimeoutMs: 1_000,
      memberIdFor: (name) => slots.find((x) => x.rec.name === name)?.rec.id ?? 0,
      log: s.disk.open(),
      peers: net.link(s.rec.id, clock),
      clock,
      rng: memberRng.fork(),
      logger: quietLogger,
    };
    void Member.start(o, { ...hooks, onApplied: onApplied(s.rec.id) }).then(
      (m) => {
        s.starting = false;
        if (s.kill !== kill) return; // crashed while starting
        s.member = m;
        net.attach(s.rec.id, m);
        note(`m${s.rec.id} up`);
      },
      (err: unknown) => {
        world.failure ??= new CheckFailure('member-start', `member ${s.rec.id} failed to start: ${String((err as Error)?.stack ?? err)}`);
      },
    );
  };

  const crash = (s: Slot): void => {
    if (!s.member && !s.starting) return;
    s.kill?.();
    s.kill = null;
    s.member = null;
    s.starting = false;
    net.detach(s.rec.id);
    s.disk.crash();
    note(`m${s.rec.id} crashed`);
    count('fault crash');
    for (const fn of [...s.downListeners]) fn();
  };

  const members: Members = {
    get: (i) => slots[i]?.member ?? null,
    count: total,
    onDown: (i, fn) => {
      slots[i]!.downListeners.add(fn);
      return () => slots[i]!.downListeners.delete(fn);
    },
  };

  // Election safety, sampled every few ticks: at most one leader per term.
  const leaderOf = new Map<number, number>();
  const sample = (): void => {
    for (const s of slots) {
      const st = s.member?.status();
      if (!st || st.role !== StateRole.Leader) continue;
      const seen = leaderOf.get(st.term);
      if (seen === undefined) {
        leaderOf.set(st.term, st.id);
        note(`m${st.id} leads term ${st.term}`);
      } else if (seen !== st.id) {
        world.failure ??= new CheckFailure('election-safety', `members ${seen} and ${st.id} both led term ${st.term}`);
      }
    }
  };
  const sampler = (): void => {
    sample();
    world.at(SAMPLE_MS, sampler);
  };
  world.at(SAMPLE_MS, sampler);

  for (const s of slots) start(s);

  const kv: KvRecord[] = [];
  const holds: HoldRecord[] = [];
  const watches: WatchRecord[] = [];
  const env: ClientEnv = {
    world,
    members,
    rng: rng.fork(),
    opsUntil: safetyMs,
    requestTimeoutMs: 1_000,
    kv,
    holds,
    watches,
    keys: ['k/a', 'k/b', 'k/c'],
    locks: lockHeavy ? ['L'] : ['L', 'M'],
    leaseTtlsMs: [150, 300, 600],
    count,
  };

  // A learner joins through the membership API once a leader is there.
  if (learner) {
    const joiner = slots[voters]!;
    const inConfig = () => slots.slice(0, voters).some((s) => s.member?.cluster().members.some((x) => x.id === String(joiner.rec.id)));
    void (async () => {
      // Retried (on the founders, in turn) until the learner is in the configuration; the
      // liveness phase waits for it.
      for (let attempt = 0; !inConfig() && world.now() < safetyMs + 10_000; attempt++) {
        const r = await call(env, attempt % voters, (m) => m.changeMembership('addLearner', joiner.rec));
        count(r.ok ? 'learner added' : `learner add ${r.code}`);
        if (!r.ok) await world.sleep(50);
      }
    })();
  }

  // Clients.
  const clientRng = env.rng;
  const kvClients = clientRng.range(2, 4);
  const lockClients = lockHeavy ? clientRng.range(3, 4) : clientRng.range(1, 3);
  const running: Promise<unknown>[] = [];
  let cid = 0;
  for (let i = 0; i < kvClients; i++) running.push(kvClient(env, ++cid));
  for (let i = 0; i < lockClients; i++) running.push(lockClient(env, ++cid));
  const watchers = [watchClient(env, ++cid, PREFIX), watchClient(env, ++cid, PREFIX)];

  // Faults, during the safety phase.
  const faults = (): void => {
    if (world.now() >= safetyMs) return;
    const roll = faultRng.float();
    const pickSlot = () => faultRng.pick(slots);
    if (roll < 0.2) {
      const s = pickSlot();
      crash(s);
      world.at(faultRng.range(50, 600), () => start(s));
    } else if (roll < 0.5) {
      const ids = faultRng.shuffle(slots.map((s) => s.rec.id));
      const cutAt = faultRng.range(1, Math.max(1, ids.length - 1));
      net.partition([ids.slice(0, cutAt), ids.slice(cutAt)]);
      note(`partition ${ids.slice(0, cutAt).join(',')} | ${ids.slice(cutAt).join(',')}`);
      count('fault partition');
      world.at(faultRng.range(50, 800), () => (net.heal(), note('healed')));
    } else if (roll < 0.65) {
      const lead = slots.find((s) => s.member?.status().role === StateRole.Leader);
      if (lead) {
        net.isolate(lead.rec.id, faultRng.pick(['in', 'out', 'both'] as const));
        note(`leader m${lead.rec.id} isolated`);
        count('fault isolate leader');
        world.at(faultRng.range(100, 700), () => (net.heal(), note('healed')));
      }
    } else if (roll < 0.8) {
      net.profile = { ...netProfile, dropP: faultRng.pick([0.1, 0.3]), maxDelayMs: faultRng.pick([20, 80]) };
      count('fault bad network');
      world.at(faultRng.range(100, 500), () => (net.profile = netProfile));
    }
    world.at(faultRng.range(150, 600), faults);
  };
  world.at(faultRng.range(100, 300), faults);

  let failure: MemberSeedResult['failure'];
  try {
    await world.runUntil(safetyMs);
    if (world.failure) throw world.failure;

    // Liveness: heal, restart everyone, let the clients finish.
    net.heal();
    net.profile = { dropP: 0, minDelayMs: 1, maxDelayMs: 5 };
    for (const s of slots) start(s);
    note('liveness phase: healed, all members up');
    const clientsDone = Promise.all(running).then(() => true);
    let finished = false;
    void clientsDone.then(() => (finished = true));
    const limit = world.now() + 15_000;
    while (!finished && world.now() < limit && !world.failure) await world.runUntil(world.now() + 50);
    if (world.failure) throw world.failure;
    if (!finished) throw new CheckFailure('liveness', 'clients did not finish their last requests after the heal');

    // A final write must succeed, and every member apply it.
    let finalRevision = 0;
    let finalIndex = 0;
    for (let i = 0; world.now() < limit && finalRevision === 0; i++) {
      const p = call(env, i % total, (m) => m.propose({ op: 'put', key: 'k/final', value: 'done' }));
      let r: Awaited<typeof p> | undefined;
      void p.then((x) => (r = x));
      while (r === undefined && world.now() < limit && !world.failure) await world.runUntil(world.now() + 20);
      if (world.failure) throw world.failure;
      if (r?.ok && r.value.op === 'put') {
        finalRevision = Math.max(1, r.value.revision); // (an unsafe early answer says 0)
        finalIndex = slots[i % total]!.member?.status().applied ?? 0;
      } else await world.runUntil(world.now() + 30);
    }
    if (finalRevision === 0) throw new CheckFailure('liveness', 'no final write succeeded within 15 s of the heal');
    // Quiet: the clients' leases run out (their expiry revokes are the last entries), then every
    // member applies the same index and every watcher catches up.
    const quiet = (): boolean => {
      const ms = slots.map((s) => s.member);
      if (ms.some((m) => m === null)) return false;
      const applied = ms.map((m) => m!.status().applied);
      return (
        applied.every((a) => a >= finalIndex && a === applied[0]) &&
        ms.every((m) => m!.state().leases().length === 0 && m!.publishedRevision() === m!.state().revision()) &&
        watches.every((w) => w.batches.length > 0 && w.batches[w.batches.length - 1]!.revision >= finalRevision)
      );
    };
    while (!quiet() && world.now() < limit && !world.failure) await world.runUntil(world.now() + 20);
    if (world.failure) throw world.failure;
    if (!quiet()) throw new CheckFailure('liveness', `the healed cluster did not settle within 15 s: ${slots.map((s) => `m${s.rec.id} applied ${s.member?.status().applied ?? 'down'}`).join(', ')}`);
    stopWatchers(env);

    // Convergence: every member holds the same state.
    const digests = slots.map((s) => digest(s.member!));
    for (let i = 1; i < digests.length; i++) {
      if (digests[i] !== digests[0]) throw new CheckFailure('convergence', `member ${slots[i]!.rec.id} differs from member ${slots[0]!.rec.id}:\n  ${digests[i]}\n  ${digests[0]}`);
    }

    // The histories.
    const kvStats = checkKvLinearizable(kv);
    counts.set('checked kv ops', kvStats.ops);
    if (kvStats.gaveUp > 0) counts.set('kv keys too large to check', kvStats.gaveUp);
    counts.set('checked lock holds', checkLocks(holds).holds);
    const truth = truthBatches(appliedAt, PREFIX);
    for (const w of watches) checkWatch(w, truth, finalRevision);
    counts.set('checked watch batches', watches.reduce((n, w) => n + w.batches.length, 0));
    await Promise.race([Promise.all(watchers), world.runUntil(world.now() + 5_000)]);
  } catch (err) {
    const check = err instanceof CheckFailure ? err.check : err instanceof ContractViolation ? 'ready-contract' : 'crash';
    failure = { check, message: err instanceof Error ? err.message : String(err), time: world.now() };
  }
  // Let nothing of this seed run on into the next one.
  for (const s of slots) s.kill?.();
  return {
    seed: opts.seed,
    ok: failure === undefined,
    voters,
    learner,
    ...(opts.mutation !== undefined ? { mutation: opts.mutation } : {}),
    ...(failure !== undefined ? { failure, trace: trace.format() } : {}),
    simMs: world.now(),
    events: world.events,
    counts,
  };
}

export function replayCommand(r: { seed: number; mutation?: string }): string {
  return `npm run sim -- --seed ${r.seed}${r.mutation !== undefined ? ` --mutation ${r.mutation}` : ''}`;
}

export function describeMemberFailure(r: MemberSeedResult): string {
  if (r.ok || !r.failure) return `seed ${r.seed}: ok`;
  return [
    `seed ${r.seed} FAILED (${r.voters} voter(s)${r.learner ? ' + a learner' : ''}${r.mutation ? `, mutation ${r.mutation}` : ''}) at t=${r.failure.time}: ${r.failure.check}`,
    r.failure.message,
    '--- last events ---',
    r.trace ?? '',
    `replay: ${replayCommand(r)}`,
  ].join('\n');
}

/** The prefix's watch batches as the committed log produced them (replayed on a fresh state). */
function truthBatches(applied: Map<number, Entry>, prefix: string): WatchBatch[] {
  const sm = new StateMachine({ historyRevisions: HISTORY_REVISIONS });
  const out: WatchBatch[] = [];
  const last = Math.max(0, ...applied.keys());
  for (let i = 1; i <= last; i++) {
    const e = applied.get(i);
    if (e === undefined) throw new CheckFailure('watch-complete', `no member applied entry ${i}: the log cannot be replayed`);
    if (e.type !== EntryType.Normal || e.data.length === 0) continue;
    const res = sm.applyEncoded(e.data);
    const evs = res.events.filter((x) => x.kv.key.startsWith(prefix));
    if (evs.length > 0) out.push({ revision: res.result.revision, events: evs.map(describeEvent) });
  }
  return out;
}

function digest(m: Member): string {
  const st = m.state();
  const kvs = st.range('', 10_000).kvs.map((x) => `${x.key}=${x.value}@${x.modRevision}`);
  const locks = st.locks().map((l) => `${l.name}:${l.holder?.fencingToken ?? '-'}`);
  return `rev ${st.revision()} applied ${m.status().applied}; ${kvs.join(' ')}; leases ${st.leases().map((l) => l.id).join(',')}; locks ${locks.join(' ')}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const noop = (): void => undefined;
const quietLogger = { debug: noop, info: noop, warn: noop, error: noop };
