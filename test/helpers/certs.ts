// Certificates for tests: the same openssl-made CA and leaves `npm start -- --tls` uses, plus an
// expired leaf (openssl ca with explicit validity dates) for the start-up checks.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCa, TestLeaf } from '../../cmd/lib/dev-certs.js';

export { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../../cmd/lib/dev-certs.js';

/** A leaf signed by `ca` that was valid only in January 2020. */
export function makeExpiredLeaf(ca: TestCa, cn: string): TestLeaf {
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: ca.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(ca.dir, 'index.txt'), '');
  writeFileSync(join(ca.dir, 'serial'), '01\n');
  writeFileSync(
    join(ca.dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n',
  );
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${cn}-expired.key`, '-out', `${cn}-expired.csr`, '-subj', `/CN=${cn}`]);
  run(['ca', '-batch', '-config', 'ca.cnf', '-cert', ca.cert, '-keyfile', ca.key, '-in', `${cn}-expired.csr`, '-out', `${cn}-expired.crt`, '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext']);
  return { cert: join(ca.dir, `${cn}-expired.crt`), key: join(ca.dir, `${cn}-expired.key`) };
}
