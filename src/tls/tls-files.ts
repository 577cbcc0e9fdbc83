// Certificate material read from PEM files: loaded, checked (readable, parseable, key matches
// certificate, not expired, not yet valid) and turned into node:tls options. Each failure is one
// line that names the file, so an operator sees at once what to fix.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Where one listener's (or dialer's) certificate, key and trusted CA live. */
export interface TlsFilePaths {
  /** PEM certificate chain presented by this side (leaf first). */
  readonly cert: string;
  /** PEM private key of the leaf certificate. */
  readonly key: string;
  /** PEM bundle of CAs whose signatures this side accepts from the other side. */
  readonly ca?: string;
}

/** What node:tls needs, read from the files, plus facts about the leaf for logs. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  /** The leaf certificate's expiry (ms since the epoch). */
  readonly notAfterMs: number;
  /** SHA-256 fingerprint of the leaf certificate, for logs after a reload. */
  readonly fingerprint: string;
}

/** A certificate file problem; `file` is the path that is wrong. */
export class TlsFileError extends Error {
  readonly code = 'BAD_TLS_FILE' as const;
  readonly file: string;
  constructor(label: string, file: string, problem: string) {
    super(`${label} ${file}: ${problem}`);
    this.name = 'TlsFileError';
    this.file = file;
  }
}

function readPem(label: string, file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlsFileError(label, file, `cannot be read (${e.code ?? e.message})`);
  }
  if (!buf.includes('-----BEGIN ')) throw new TlsFileError(label, file, 'is not a PEM file (no -----BEGIN line)');
  return buf;
}

function parseCert(label: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TlsFileError(label, file, `is not a valid PEM certificate (${(err as Error).message})`);
  }
}

/** Every certificate in a PEM bundle (a CA file may hold several). */
function splitPemCerts(pem: Buffer): Buffer[] {
  const text = pem.toString('latin1');
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(Buffer.from(m[0], 'latin1'));
  return out;
}

/**
 * Reads and checks one set of TLS files. `label` names the setting in messages ("client TLS",
 * "peer TLS"); `nowMs` is the wall clock (expiry is judged against it). Throws TlsFileError.
 */
export function loadTlsMaterial(label: string, paths: TlsFilePaths, nowMs: number): TlsMaterial {
  const certPem = readPem(`${label} certificate`, paths.cert);
  const keyPem = readPem(`${label} key`, paths.key);
  const leaf = parseCert(`${label} certificate`, paths.cert, certPem);
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new TlsFileError(`${label} key`, paths.key, `is not a valid PEM private key (${(err as Error).message})`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsFileError(`${label} certificate`, paths.cert, `does not match the key ${paths.key}`);
  }
  const notAfterMs = Date.parse(leaf.validTo);
  const notBeforeMs = Date.parse(leaf.validFrom);
  if (Number.isFinite(notAfterMs) && notAfterMs <= nowMs) {
    throw new TlsFileError(`${label} certificate`, paths.cert, `expired on ${new Date(notAfterMs).toISOString()}`);
  }
  if (Number.isFinite(notBeforeMs) && notBeforeMs > nowMs) {
    throw new TlsFileError(`${label} certificate`, paths.cert, `is not valid before ${new Date(notBeforeMs).toISOString()}`);
  }
  let ca: Buffer | undefined;
  if (paths.ca !== undefined) {
    ca = readPem(`${label} CA`, paths.ca);
    const certs = splitPemCerts(ca);
    if (certs.length === 0) throw new TlsFileError(`${label} CA`, paths.ca, 'holds no PEM certificate');
    for (const c of certs) {
      const x = parseCert(`${label} CA`, paths.ca, c);
      if (!x.ca) throw new TlsFileError(`${label} CA`, paths.ca, `holds a certificate that is not a CA (${x.subject.replace(/\n/g, ', ')})`);
    }
  }
  return { cert: certPem, key: keyPem, ...(ca !== undefined ? { ca } : {}), notAfterMs, fingerprint: leaf.fingerprint256 };
}

/**
 * The names a peer certificate stands for: its DNS and IP subject alternative names and its
 * subject CN, as node:tls reports them (`getPeerCertificate()`).
 */
export function certificateNames(cert: { subject?: { CN?: string | string[] } | null; subjectaltname?: string }): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*(DNS|IP Address):(.+)$/.exec(part);
    if (m) names.push(m[2]!.trim());
  }
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn);
  return names;
}

/**
 * Whether any of `names` is allowed by the patterns: an exact name, or `*.suffix` matching one
 * more leading DNS label (`*.raftlock-peer.ns.svc` allows `raftlock-0.raftlock-peer.ns.svc`).
 * Case-insensitive, as DNS names are.
 */
export function nameAllowed(names: readonly string[], patterns: readonly string[]): boolean {
  for (const raw of names) {
    const n = raw.toLowerCase();
    for (const p0 of patterns) {
      const p = p0.toLowerCase();
      if (p.startsWith('*.')) {
        const rest = p.slice(1);
        if (n.endsWith(rest) && n.length > rest.length && !n.slice(0, n.length - rest.length).includes('.')) return true;
      } else if (n === p) {
        return true;
      }
    }
  }
  return false;
}
