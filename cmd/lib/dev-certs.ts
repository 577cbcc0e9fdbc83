// Real X.509 certificates made with the openssl command: a CA and leaf certificates it signs
// (EC P-256, SANs of our choosing, usable by servers and clients alike). For `npm start -- --tls`,
// the chaos run and tests; production certificates come from the operator's own CA.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  cert: string;
  key: string;
}

export interface TestLeaf {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new self-signed CA in `dir/<name>`. */
export function makeCa(dir: string, name: string): TestCa {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    d,
  );
  return { dir: d, cert: join(d, 'ca.crt'), key: join(d, 'ca.key') };
}

/**
 * A leaf certificate signed by `ca`, with subject CN `cn` and the given SANs (default: DNS:cn,
 * DNS:localhost, IP:127.0.0.1). Files go into the CA's folder as `<file>.crt` / `<file>.key`.
 */
export function makeLeaf(ca: TestCa, cn: string, opts: { sans?: string[]; file?: string; days?: number } = {}): TestLeaf {
  const file = opts.file ?? cn;
  const sans = opts.sans ?? [`DNS:${cn}`, 'DNS:localhost', 'IP:127.0.0.1'];
  const ext = join(ca.dir, `${file}.ext`);
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans.join(',')}\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${cn}`], ca.dir);
  openssl(
    ['x509', '-req', '-in', `${file}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', `${file}.crt`, '-days', String(opts.days ?? 30), '-extfile', ext],
    ca.dir,
  );
  return { cert: join(ca.dir, `${file}.crt`), key: join(ca.dir, `${file}.key`) };
}
