// Answers written outside koa (on a socket node:http no longer parses, or on a bare
// ServerResponse), and closing a connection after an answer without losing the answer. When a
// client is still sending (an upload we refused, a malformed request), closing the socket with
// its bytes unread makes the kernel send a reset, and the reset can reach the client before it
// has read our answer. So: send the answer, half-close, read and discard for a bounded time and
// number of bytes, then close (what HTTP/1.1 servers call a lingering close).

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody, httpStatusFor, type CodedError } from './errors.js';

/** How long, at most, we keep reading after the answer (as nginx's lingering close: time, not
 *  bytes, is what a lingering connection costs; discarded bytes take no memory). */
const LINGER_MS = 5_000;
/** How much, at most, we read and discard after the answer: enough for a client that writes its
 *  whole upload before it reads (Python's http.client, for one) to get to our answer. */
const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/** Sockets already answered by writeSocketError (a broken parser reports every further chunk). */
const answered = new WeakSet<Duplex>();

export function isAnswered(socket: Duplex): boolean {
  return answered.has(socket);
}

/**
 * Answer on a socket node:http no longer serves requests on, then close it: after a parse error
 * or a timeout (`parsed`: node:http's parser still reads the socket, and discards), or a CONNECT
 * or refused WebSocket upgrade (the socket is ours to read).
 */
export function writeSocketError(socket: Duplex, err: CodedError, opts: { parsed: boolean; headers?: Record<string, string> }): void {
  answered.add(socket);
  const status = httpStatusFor(err.code);
  const body = JSON.stringify(errorBody(err));
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      'Connection: close\r\n\r\n' +
      body,
  );
  closeAfterLinger(socket, opts.parsed ? undefined : LINGER_MAX_BYTES);
}

/** An error answer through a ServerResponse that did not pass through koa. */
export function writeErrorResponse(res: ServerResponse, err: CodedError): void {
  const body = JSON.stringify(errorBody(err));
  res.statusCode = httpStatusFor(err.code);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Make the close that follows this answer (the response says `Connection: close`) a lingering
 * one: the rest of the request body is read and thrown away. Closing a socket with unread bytes
 * makes the kernel send a reset, and a client still uploading can then lose the answer we sent.
 */
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  // node:http's own request timeout no longer applies (it would answer 408 after our answer).
  answered.add(socket);
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES && res.writableFinished) socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
  // node:http ends a `Connection: close` response with socket.destroySoon(), which destroys the
  // socket as soon as the answer is flushed; linger instead.
  socket.destroySoon = () => closeAfterLinger(socket, undefined);
}

/**
 * Half-close (our answer is complete), go on reading and discarding what the client still sends
 * for at most LINGER_MS, then close. `discardBytes`: read the socket ourselves, at most that
 * much; undefined when node:http's parser reads it (reading it here too would stall the parser:
 * a socket it consumes must not be put in flowing mode).
 */
function closeAfterLinger(socket: Duplex, discardBytes: number | undefined): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('error', () => {});
  if (discardBytes !== undefined) {
    let discarded = 0;
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > discardBytes) socket.destroy();
    });
    socket.resume();
  }
  socket.end();
}
