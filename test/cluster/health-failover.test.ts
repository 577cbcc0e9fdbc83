// Health and failover edges against real processes: /readyz stays 200 on every member of a
// healthy cluster under full write load (the applied index trails the commit index by a batch at
// almost any instant; that is not "behind"), and turns 503 on a member that knows no leader;
// writes sent to followers while the leader is frozen (SIGSTOP) are answered as soon as the
// followers know the new leader — 504 TIMEOUT, the outcome-unknown error — not after the
// request timeout.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, eventually, http, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';

const REQUEST_TIMEOUT_MS = 20_000;
const ARGS = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500', '--limits-request-timeout-ms', String(REQUEST_TIMEOUT_MS)];

async function put(m: ProcMember, key: string, timeoutMs = 30_000): Promise<{ status: number; code?: string; at: number } | { status: 0; error: string; at: number }> {
  try {
    const res = await fetch(`${m.url}/v1/kv/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'v' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { error?: { code?: string } };
    return { status: res.status, code: body.error?.code, at: Date.now() };
  } catch (e) {
    return { status: 0, error: String(e), at: Date.now() };
  }
}

describe('health and failover edges (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: ARGS });
    await waitForLeader(c);
  });
  after(async () => {
    for (const m of c?.members ?? []) if (c.isRunning(m)) m.proc!.kill('SIGCONT');
    await c?.destroy();
  });

  test('/readyz stays 200 on every member of a healthy cluster under full write load', async (t) => {
    let stop = false;
    let writes = 0;
    let failedWrites = 0;
    const writers = Array.from({ length: 48 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const r = await put(c.members[(w + i) % 3]!, `load/${w}/${i % 50}`);
        if (r.status === 200) writes++;
        else failedWrites++;
      }
    });
    const probes: string[] = [];
    let polls = 0;
    const pollers = c.members.map(async (m) => {
      while (!stop) {
        const r = await http('GET', `${m.url}/readyz`);
        polls++;
        if (r.status !== 200) probes.push(`${m.name}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    });
    await eventually('a few thousand writes under load', async () => (writes >= 3_000 ? true : undefined), 60_000, 100);
    stop = true;
    await Promise.all([...writers, ...pollers]);
    t.diagnostic(`${writes} writes (${failedWrites} failed), ${polls} readiness probes`);
    assert.equal(failedWrites, 0);
    assert.deepEqual(probes.slice(0, 10), [], `${probes.length} of ${polls} readiness probes failed under load`);
  });

  test('writes forwarded to a frozen leader are answered 504 TIMEOUT once the followers know the new leader, not after the request timeout', async () => {
    const old = await waitForLeader(c);
    const followers = c.members.filter((m) => m !== old);
    old.proc!.kill('SIGSTOP');
    const frozenAt = Date.now();
    // When a follower first reports another leader (polled; the answers are judged against it).
    let newLeaderSeenAt = 0;
    const watching = (async () => {
      while (newLeaderSeenAt === 0 && Date.now() - frozenAt < 20_000) {
        for (const f of followers) {
          const r = await http('GET', `${f.url}/v1/cluster`);
          if (r.status === 200 && r.body.leader && r.body.leader.name !== old.name) newLeaderSeenAt ||= Date.now();
        }
      }
    })();
    try {
      const answers = await Promise.all(followers.flatMap((f) => [0, 1, 2].map((i) => put(f, `frozen/${f.name}/${i}`))));
      await watching;
      assert.ok(newLeaderSeenAt > 0, 'a follower reported a new leader');
      const leader = await waitForLeader(c, 20_000, followers);
      assert.notEqual(leader.name, old.name);
      for (const a of answers) {
        assert.ok(a.status === 504 || a.status === 200, `answered 504 TIMEOUT (outcome unknown) or, if forwarded to the new leader, 200: ${JSON.stringify(a)}`);
        if (a.status === 504) assert.equal(a.code, 'TIMEOUT');
        // Before the fix these waited for the transport to declare the frozen peer dead (about
        // 3 s after the freeze, 2 s after the new leader), or for the request timeout.
        assert.ok(
          a.at - newLeaderSeenAt < 1_000,
          `answered ${a.at - frozenAt} ms after the freeze, ${a.at - newLeaderSeenAt} ms after a new leader was known`,
        );
      }
      assert.ok(answers.some((a) => a.status === 504), 'the writes in flight to the frozen leader were answered outcome-unknown');
      // Writes sent now go to the new leader.
      const after = await put(followers[0]!, 'frozen/after');
      assert.equal(after.status, 200, JSON.stringify(after));
    } finally {
      old.proc!.kill('SIGCONT');
    }
    await eventually('the old leader to rejoin as a follower', async () => {
      const r = await http('GET', `${old.url}/readyz`);
      return r.status === 200 ? true : undefined;
    });
  });

  test('/readyz is 503 on a member that knows no leader', async () => {
    const survivor = c.members[0]!;
    await Promise.all(c.members.slice(1).map((m) => c.kill(m, 'SIGKILL')));
    const r = await eventually('the survivor to be not ready', async () => {
      const x = await http('GET', `${survivor.url}/readyz`);
      return x.status === 503 ? x : undefined;
    });
    assert.equal(r.body.error?.code ?? r.body.code, 'NOT_READY', JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), /no leader/);
  });
});
