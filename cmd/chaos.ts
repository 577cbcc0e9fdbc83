#!/usr/bin/env node
// chaos: long fault-injection runs against a real raftlockd cluster.
//   npm run chaos -- --minutes 10 --seed 42
// Prints run statistics at the end; on a failure also the seed, the fault schedule and the
// smallest failing slice of the history, and exits 1.

import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { FAULT_KINDS, type FaultKind } from './lib/chaos/nemesis.js';
import { formatReport, runChaos } from './lib/chaos/run.js';

function int(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`${name} must be an integer in ${lo}..${hi}`);
    return n;
  };
}

async function main(): Promise<void> {
  const program = new Command('chaos')
    .description('fault-injection run against a real raftlock cluster (see docs/chaos.md)')
    .option('--minutes <n>', 'minutes of faults (fractions allowed)', (v) => {
      const n = Number(v);
      if (!(n > 0 && n <= 24 * 60)) throw new InvalidArgumentError('minutes must be in (0, 1440]');
      return n;
    })
    .option('--seconds <n>', 'seconds of faults (instead of --minutes)', int('seconds', 1, 86_400))
    .option('--seed <n>', 'seed for faults and workload (default: random)', int('seed', 0, 2 ** 32 - 1))
    .option('--members <n>', 'cluster size (3 or 5)', int('members', 1, 9), 5)
    .option('--runs <n>', 'consecutive runs, seeds seed, seed+1, ...', int('runs', 1, 10_000), 1)
    .option('--faults <kinds>', `comma-separated fault kinds (default all: ${FAULT_KINDS.join(',')})`)
    .option('--member-args <flags>', 'extra raftlockd flags for every member, space separated (e.g. "--snapshot-threshold 500")')
    .option('--election-timeout-ms <n>', 'members\' election timeout', int('election-timeout-ms', 50, 60_000), 500)
    .option('--unsafe-serializable-reads', 'UNSAFE on purpose: register reads skip the read barrier (the checker should report stale reads)')
    .option('--keep-data', 'keep the members\' data directories')
    .option('--secure', 'TLS on client and peer ports (certificates made with openssl) and auth on; the workload runs as a user limited to its prefixes')
    .option('--quiet', 'do not print faults as they happen')
    .allowExcessArguments(false);
  program.parse(process.argv);
  const o = program.opts<{
    minutes?: number; seconds?: number; seed?: number; members: number; runs: number; faults?: string;
    memberArgs?: string; electionTimeoutMs: number; keepData?: boolean; quiet?: boolean; unsafeSerializableReads?: boolean; secure?: boolean;
  }>();
  const durationMs = o.seconds !== undefined ? o.seconds * 1000 : Math.round((o.minutes ?? 1) * 60_000);
  let kinds: FaultKind[] | undefined;
  if (o.faults !== undefined) {
    kinds = o.faults.split(',').map((k) => k.trim()) as FaultKind[];
    for (const k of kinds) if (!FAULT_KINDS.includes(k)) program.error(`unknown fault kind ${JSON.stringify(k)} (known: ${FAULT_KINDS.join(', ')})`);
  }
  const seed0 = o.seed ?? randomInt(0, 2 ** 31);
  let failed = 0;
  for (let i = 0; i < o.runs; i++) {
    const seed = (seed0 + i) >>> 0;
    const r = await runChaos({
      seed,
      durationMs,
      members: o.members,
      memberArgs: o.memberArgs ? o.memberArgs.split(/\s+/).filter(Boolean) : [],
      electionTimeoutMs: o.electionTimeoutMs,
      heartbeatMs: Math.max(10, Math.floor(o.electionTimeoutMs / 10)),
      faultKinds: kinds,
      unsafeSerializableReads: o.unsafeSerializableReads,
      keepData: o.keepData,
      secure: o.secure === true,
      log: o.quiet ? undefined : (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(`${formatReport(r)}\n`);
    if (!r.ok) {
      failed++;
      for (const [name, out] of Object.entries(r.memberLogs)) if (out.trim()) process.stdout.write(`--- ${name} (tail) ---\n${out}\n`);
    }
  }
  if (o.runs > 1) process.stdout.write(`${o.runs - failed}/${o.runs} runs passed\n`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`chaos: ${err?.stack ?? err}\n`);
  process.exit(2);
});
