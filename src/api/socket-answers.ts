// Answers written outside koa (on a socket node:http no longer parses, or on a bare
// ServerResponse), and closing a connection after an answer without losing the answer. When a
// client is still sending (an upload we refused, a malformed request), closing the socket with
// its bytes unread makes the kernel send a reset, and the reset can reach the client before it
// has read our answer. So: send the answer, half-close, read and discard for a bounded time and number of
// bytes, then close (what HTTP/1.1 servers call a lingering close).

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody, httpStatusFor, type CodedError } from './errors.js';
import type { ApiLimits } from './limits.js';

/** How long, at most, we keep reading after the answer. */
const LINGER_MS = 2_000;
/** How much, at most, we read and discard after the answer: a body's worth, at least 1 MiB. */
function lingerBytes(limits: Readonly<ApiLimits>): number {
  return Math.max(1024 * 1024, limits.maxBodyBytes);
}

/** Sockets already answered by writeSocketError (a broken parser reports every further chunk). */
const answered = new WeakSet<Duplex>();

export function isAnswered(socket: Duplex): boolean {
  return answered.has(socket);
}

/** Answer on a socket node:http no longer speaks HTTP on (parse error, timeout, CONNECT, a
 *  refused WebSocket upgrade), then close it. */
export function writeSocketError(socket: Duplex, err: CodedError, limits: Readonly<ApiLimits>, headers: Record<string, string> = {}): void {
  answered.add(socket);
  const status = httpStatusFor(err.code);
  const body = JSON.stringify(errorBody(err));
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      'Connection: close\r\n\r\n' +
      body,
  );
  lingeringClose(socket, limits);
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
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse, limits: Readonly<ApiLimits>): void {
  const maxBytes = lingerBytes(limits);
  const socket = req.socket as Socket & { destroySoon?: () => void };
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes && res.writableFinished) socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
  // node:http ends a `Connection: close` response with socket.destroySoon(), which destroys the
  // socket as soon as the answer is flushed; linger instead.
  socket.destroySoon = () => closeAfterLinger(socket, maxBytes - discarded);
}

/** Half-close (our answer is complete), keep reading and discarding what the client still sends
 *  (at most a bounded number of bytes, at most LINGER_MS), then close. */
export function lingeringClose(socket: Duplex, limits: Readonly<ApiLimits>): void {
  closeAfterLinger(socket, lingerBytes(limits));
}

function closeAfterLinger(socket: Duplex, maxBytes: number): void {
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) socket.destroy();
  });
  socket.end();
  socket.resume();
}
