// The bench's HTTP/1.1 client: one keep-alive connection per simulated client, one request on it
// at a time, written as one string and read back by a parser that knows only what an answer from
// raftlock or etcd's gateway needs (a status line, Content-Length or chunked bodies, Connection:
// close). The load generator shares the machine's two cores with the members it measures, and a
// general-purpose client spends its CPU on what the bench never uses (pipelining, redirects,
// interceptors, header objects, streams): measured on 64 connections against one node:http
// server, undici's low-level dispatch cost about 27 µs of client CPU per request and this about
// 16 µs. Whatever the client spends is taken from both targets alike, and most from the faster.
//
// It is a load generator, not a general client: no pipelining, no Expect, no redirects, no
// upgrades, no proxy. An answer it cannot read fails that request and closes the connection; the
// next request opens a new one.

import net from 'node:net';
import tls from 'node:tls';

export interface BenchAnswer {
  status: number;
  text: string;
}

export interface BenchConnectionOptions {
  host: string;
  port: number;
  /** Speak https: tls.connect with these options (ca, cert, key). */
  tls?: tls.ConnectionOptions;
  /** Largest answer (head and body) accepted; a larger one fails its request. */
  maxAnswerBytes?: number;
  /** A connection silent this long is closed, failing the request in flight (default 120 s:
   *  above the longest lock wait the bench asks for). */
  idleTimeoutMs?: number;
}

interface Waiting {
  head: string;
  resolve(a: BenchAnswer): void;
  reject(e: Error): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: |\r|$)/;

/** Thrown for an answer that is not the HTTP/1.1 this client reads. */
export class BenchHttpError extends Error {}

export class BenchConnection {
  private sock: net.Socket | null = null;
  private buf: Buffer | null = null;
  private current: Waiting | null = null;
  private readonly queue: Waiting[] = [];
  private readonly hostHeader: string;
  private readonly maxAnswerBytes: number;
  private readonly idleTimeoutMs: number;
  private closed = false;

  constructor(private readonly o: BenchConnectionOptions) {
    this.hostHeader = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    this.maxAnswerBytes = o.maxAnswerBytes ?? 64 * 1024 * 1024;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 120_000;
  }

  /**
   * Send one request (`headers` as `Name: value` lines without the framing ones) and resolve with
   * the answer's status and body text. Requests made while one is in flight wait their turn.
   */
  request(method: string, path: string, headers: readonly string[], body?: string): Promise<BenchAnswer> {
    if (this.closed) return Promise.reject(new BenchHttpError('connection closed by close()'));
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
    for (const h of headers) head += `${h}\r\n`;
    head += body === undefined ? '\r\n' : `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise<BenchAnswer>((resolve, reject) => {
      const w: Waiting = { head, resolve, reject };
      if (this.current === null) this.start(w);
      else this.queue.push(w);
    });
  }

  /** Close the connection; requests still waiting fail. */
  close(): void {
    this.closed = true;
    this.fail(new BenchHttpError('connection closed by close()'));
    for (const w of this.queue.splice(0)) w.reject(new BenchHttpError('connection closed by close()'));
  }

  private start(w: Waiting): void {
    this.current = w;
    if (this.sock === null) this.connect();
    this.sock!.write(w.head, 'utf8');
  }

  private connect(): void {
    const o = this.o;
    const s = o.tls === undefined ? net.connect({ host: o.host, port: o.port, noDelay: true }) : tls.connect({ host: o.host, port: o.port, ...o.tls, ...(net.isIP(o.host) === 0 ? { servername: o.host } : {}) });
    s.setNoDelay(true);
    s.setTimeout(this.idleTimeoutMs, () => this.drop(s, new BenchHttpError(`no answer within ${this.idleTimeoutMs} ms`)));
    this.sock = s;
    this.buf = null;
    s.on('data', (chunk: Buffer) => {
      if (this.sock !== s) return;
      try {
        this.onData(chunk);
      } catch (err) {
        this.drop(s, err instanceof Error ? err : new BenchHttpError(String(err)));
      }
    });
    s.on('error', (err) => this.drop(s, err));
    s.on('close', () => this.drop(s, new BenchHttpError('the server closed the connection before answering')));
  }

  /** Forget socket `s` (if still ours) and fail the request in flight on it. */
  private drop(s: net.Socket, err: Error): void {
    if (this.sock !== s) return;
    this.sock = null;
    this.buf = null;
    s.destroy();
    this.fail(err);
  }

  private fail(err: Error): void {
    const w = this.current;
    this.current = null;
    if (this.sock !== null) {
      this.sock.destroy();
      this.sock = null;
    }
    if (w !== null) w.reject(err);
    this.next();
  }

  private next(): void {
    if (this.current !== null || this.closed) return;
    const w = this.queue.shift();
    if (w !== undefined) this.start(w);
  }

  private onData(chunk: Buffer): void {
    if (this.current === null) throw new BenchHttpError('the server sent bytes with no request in flight');
    const buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = buf;
    if (buf.length > this.maxAnswerBytes) throw new BenchHttpError(`answer larger than ${this.maxAnswerBytes} bytes`);
    const headEnd = buf.indexOf(CRLF2);
    if (headEnd < 0) return;
    const head = buf.toString('latin1', 0, headEnd);
    const m = STATUS_LINE.exec(head);
    if (m === null) throw new BenchHttpError(`not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, 40))}`);
    const status = Number(m[1]);
    const bodyStart = headEnd + 4;
    if (status < 200) {
      // An interim answer (100 Continue, 103): the real one follows.
      this.buf = buf.length === bodyStart ? null : buf.subarray(bodyStart);
      if (this.buf !== null) this.onData(Buffer.alloc(0));
      return;
    }
    let close = false;
    let length = -1;
    let chunked = false;
    for (let i = head.indexOf('\r\n'); i >= 0; ) {
      const j = head.indexOf('\r\n', i + 2);
      const line = head.slice(i + 2, j < 0 ? head.length : j);
      i = j;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new BenchHttpError(`bad header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        length = /^[0-9]{1,15}$/.test(value) ? Number(value) : -1;
        if (length < 0) throw new BenchHttpError(`bad Content-Length ${JSON.stringify(value)}`);
      } else if (name === 'transfer-encoding') chunked = value.toLowerCase().endsWith('chunked');
      else if (name === 'connection') close = value.toLowerCase().includes('close');
    }
    let text: string;
    let used: number;
    if (status === 204 || status === 304) {
      text = '';
      used = bodyStart;
    } else if (chunked) {
      const got = readChunked(buf, bodyStart);
      if (got === null) return;
      text = got.text;
      used = got.end;
    } else if (length >= 0) {
      if (buf.length < bodyStart + length) return;
      text = buf.toString('utf8', bodyStart, bodyStart + length);
      used = bodyStart + length;
    } else {
      throw new BenchHttpError('answer has neither Content-Length nor chunked encoding');
    }
    if (used !== buf.length) throw new BenchHttpError('bytes after the answer (the bench never pipelines)');
    this.buf = null;
    const w = this.current;
    this.current = null;
    if (close && this.sock !== null) {
      const s = this.sock;
      this.sock = null;
      s.destroy();
    }
    w.resolve({ status, text });
    this.next();
  }
}

/** A complete chunked body starting at `from`, or null while more bytes are needed. */
function readChunked(buf: Buffer, from: number): { text: string; end: number } | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return null;
    const sizeText = buf.toString('latin1', at, lineEnd).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new BenchHttpError(`bad chunk size ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      // Trailers (none expected) end with an empty line.
      const end = buf.indexOf(CRLF2, at - 2);
      if (end < 0) return null;
      return { text: Buffer.concat(parts).toString('utf8'), end: end + 4 };
    }
    if (buf.length < at + size + 2) return null;
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}
