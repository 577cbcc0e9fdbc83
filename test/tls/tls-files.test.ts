import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsFileError, TlsReloader, certificateNames, loadTlsMaterial, nameAllowed } from '../../src/tls/index.js';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../helpers/certs.js';

let dir: string;
let ca: TestCa;
let a: TestLeaf;
let b: TestLeaf;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-tls-files-'));
  ca = makeCa(dir, 'ca');
  a = makeLeaf(ca, 'a', { days: 2 });
  b = makeLeaf(ca, 'b');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const silent = { info() {}, error() {} };

function refusal(fn: () => unknown): TlsFileError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TlsFileError, `expected a TlsFileError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'the error is one line');
    return e;
  }
  assert.fail('expected the files to be refused');
}

describe('loadTlsMaterial', () => {
  it('loads a matching certificate, key and CA', () => {
    const m = loadTlsMaterial('peer TLS', { cert: a.cert, key: a.key, ca: ca.cert }, Date.now());
    assert.ok(m.cert.length > 0 && m.key.length > 0 && m.ca !== undefined);
    assert.ok(m.notAfterMs > Date.now());
  });

  it('refuses a certificate that does not match its key, naming both files', () => {
    const e = refusal(() => loadTlsMaterial('client TLS', { cert: a.cert, key: b.key }, Date.now()));
    assert.equal(e.file, a.cert);
    assert.match(e.message, /client TLS certificate .*a\.crt: does not match the key .*b\.key/);
  });

  it('refuses an unreadable or missing file, naming it', () => {
    const missing = join(dir, 'nope.crt');
    const e = refusal(() => loadTlsMaterial('peer TLS', { cert: missing, key: a.key, ca: ca.cert }, Date.now()));
    assert.equal(e.file, missing);
    assert.match(e.message, /cannot be read \(ENOENT\)/);
    const garbage = join(dir, 'garbage.key');
    writeFileSync(garbage, 'not a key');
    assert.match(refusal(() => loadTlsMaterial('peer TLS', { cert: a.cert, key: garbage }, Date.now())).message, /garbage\.key: is not a PEM file/);
  });

  it('refuses an expired certificate (judged against the clock it is given)', () => {
    const threeDays = Date.now() + 3 * 86_400_000;
    const e = refusal(() => loadTlsMaterial('client TLS', { cert: a.cert, key: a.key }, threeDays));
    assert.equal(e.file, a.cert);
    assert.match(e.message, /expired on \d{4}-/);
  });

  it('refuses a CA file that holds a leaf instead of a CA', () => {
    const e = refusal(() => loadTlsMaterial('peer TLS', { cert: a.cert, key: a.key, ca: b.cert }, Date.now()));
    assert.equal(e.file, b.cert);
    assert.match(e.message, /not a CA/);
  });
});

describe('certificate names', () => {
  it('reads DNS and IP SANs and the CN; matches exact names and one-label wildcards', () => {
    const names = certificateNames({ subject: { CN: 'm1' }, subjectaltname: 'DNS:raftlock-0.peers.ns.svc, IP Address:10.0.0.1' });
    assert.deepEqual(names, ['raftlock-0.peers.ns.svc', '10.0.0.1', 'm1']);
    assert.ok(nameAllowed(names, ['*.peers.ns.svc']));
    assert.ok(nameAllowed(names, ['M1']));
    assert.ok(!nameAllowed(names, ['*.ns.svc']), 'a wildcard covers one label only');
    assert.ok(!nameAllowed(names, ['m2', 'peers.ns.svc']));
  });
});

describe('TlsReloader', () => {
  it('takes new files when they change on disk and keeps the old ones when the new set is broken', async () => {
    const cert = join(dir, 'live.crt');
    const key = join(dir, 'live.key');
    copyFileSync(a.cert, cert);
    copyFileSync(a.key, key);
    const r = new TlsReloader({ label: 'client TLS', paths: { cert, key }, logger: silent, pollMs: 20 });
    try {
      const first = r.current().fingerprint;
      const changed = new Promise<string>((res) => r.onChange((m) => res(m.fingerprint)));
      // a half-done rotation (new cert, old key) is refused and the old material stays
      copyFileSync(b.cert, cert);
      assert.equal(r.reload(), false);
      assert.equal(r.current().fingerprint, first);
      copyFileSync(b.key, key);
      // the poller does not keep the process alive; the deadline timer does, and fails the test
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('no reload seen within 5 s')), 5000)));
      const next = await Promise.race([changed, deadline]).finally(() => clearTimeout(timer));
      assert.notEqual(next, first);
      assert.equal(r.current().fingerprint, next);
    } finally {
      r.stop();
    }
  });
});
