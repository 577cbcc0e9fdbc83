// A raw TCP HTTP/1.1 exchange for tests that send what no HTTP client would (bad bytes, half
// headers, trickled bodies) and need to see exactly what came back and how the connection ended.

import net from 'node:net';
import { parseAnswer } from '../../cmd/lib/sweep.js';

export interface RawAnswer {
  /** The first response's status (0 if none arrived). */
  status: number;
  headers: Record<string, string>;
  body: string;
  json: any;
  /** Everything received, as latin1 text. */
  text: string;
  /** How the connection ended: the server closed it (FIN), reset it, or it is still open (the
   *  exchange returned when the response was complete). */
  ended: 'closed' | 'reset' | 'open';
  /** A reset arrived before a complete response. */
  resetBeforeAnswer: boolean;
}

/** The first complete HTTP response in `buf` (Content-Length framed), if there is one. */
export function parseResponse(buf: Buffer): { status: number; headers: Record<string, string>; body: string; end: number } | undefined {
  return parseAnswer(buf, false);
}

/**
 * Connect, write `chunks` (a function may write over time), and collect until the server ends the
 * connection or (with `untilAnswer`) the first response is complete. Fails after `timeoutMs`.
 */
export function rawExchange(
  port: number,
  send: Buffer | string | ((socket: net.Socket) => void),
  opts: {
    untilAnswer?: boolean;
    timeoutMs?: number;
    /** Behave like a client that writes its whole request before it reads anything (Python's
     *  http.client, for one): a write that fails counts as a reset before the answer, since
     *  such a client never reads the answer then. */
    writeThenRead?: boolean;
  } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let resetBeforeAnswer = false;
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no end of the exchange within ${opts.timeoutMs ?? 10_000} ms; got ${JSON.stringify(Buffer.concat(got).toString('latin1').slice(0, 300))}`)), opts.timeoutMs ?? 10_000);
    const finish = (err: Error | undefined, ended: RawAnswer['ended'] = 'closed'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) return reject(err);
      const all = Buffer.concat(got);
      const r = parseResponse(all);
      let json: unknown;
      try {
        json = r && r.body !== '' ? JSON.parse(r.body) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status: r?.status ?? 0, headers: r?.headers ?? {}, body: r?.body ?? '', json, text: all.toString('latin1'), ended, resetBeforeAnswer });
    };
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (opts.untilAnswer && parseResponse(Buffer.concat(got))) finish(undefined, 'open');
    });
    socket.on('end', () => finish(undefined, 'closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        if (!parseResponse(Buffer.concat(got)) || (opts.writeThenRead && socket.writableLength > 0)) resetBeforeAnswer = true;
        finish(undefined, 'reset');
      } else {
        finish(err);
      }
    });
    socket.on('connect', () => {
      if (opts.writeThenRead) {
        socket.pause();
        socket.write(typeof send === 'function' ? '' : send, (err) => {
          if (err) resetBeforeAnswer = true;
          else socket.resume();
        });
      } else if (typeof send === 'function') {
        send(socket);
      } else {
        socket.write(send);
      }
    });
  });
}
