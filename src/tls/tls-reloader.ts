// Keeps one set of TLS files current: re-reads them when they change on disk (polled, so it also
// sees the atomic symlink swaps Kubernetes does for mounted secrets) or when asked (SIGHUP), and
// hands a checked new material to its listeners. A half-written or broken set is logged and
// ignored: the old certificates stay in use until a good set appears.

import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { loadTlsMaterial, type TlsFilePaths, type TlsMaterial } from './tls-files.js';

export interface TlsReloaderLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TlsReloaderOptions {
  label: string;
  paths: TlsFilePaths;
  logger: TlsReloaderLogger;
  /** How often the files' metadata is polled. Default 5000 ms; 0 turns polling off. */
  pollMs?: number;
  now?: () => number;
}

/** The current material of one TLS setting; `onChange` listeners see every accepted reload. */
export class TlsReloader {
  private material: TlsMaterial;
  private readonly listeners: Array<(m: TlsMaterial) => void> = [];
  private readonly files: string[];
  private readonly now: () => number;
  private stopped = false;

  /** Loads the files once; throws TlsFileError when they are not usable (at startup, fatal). */
  constructor(private readonly o: TlsReloaderOptions) {
    this.now = o.now ?? Date.now;
    this.material = loadTlsMaterial(o.label, o.paths, this.now());
    this.files = [o.paths.cert, o.paths.key, ...(o.paths.ca !== undefined ? [o.paths.ca] : [])];
    const pollMs = o.pollMs ?? 5000;
    if (pollMs > 0) {
      for (const f of this.files) watchFile(f, { interval: pollMs, persistent: false }, (cur: Stats, prev: Stats) => this.onFileEvent(cur, prev));
    }
  }

  current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (m: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the files now. Returns true when a new, valid material was taken. */
  reload(): boolean {
    if (this.stopped) return false;
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(this.o.label, this.o.paths, this.now());
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, `${this.o.label}: reload refused; keeping the certificates in use`);
      return false;
    }
    const changed = !next.cert.equals(this.material.cert) || !next.key.equals(this.material.key) || !sameBuf(next.ca, this.material.ca);
    if (!changed) return false;
    this.material = next;
    this.o.logger.info({ fingerprint: next.fingerprint, notAfter: new Date(next.notAfterMs).toISOString() }, `${this.o.label}: certificates reloaded`);
    for (const l of this.listeners) l(next);
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const f of this.files) unwatchFile(f);
  }

  private onFileEvent(cur: Stats, prev: Stats): void {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    this.reload();
  }
}

function sameBuf(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}
