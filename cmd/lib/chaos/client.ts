// HTTP calls for the workload, with a deadline, sorted into the outcomes the checkers use.

import { fetch as undiciFetch, type Agent } from 'undici';
import type { Outcome } from './history.js';

/** TLS and a bearer token for every call and watch socket, when the run is secured (security.ts). */
export interface SecuredCalls {
  agent: Agent;
  tls: { ca: Buffer; cert: Buffer; key: Buffer };
  token?: string;
}
let secured: SecuredCalls | null = null;
export function secureCalls(s: SecuredCalls | null): void {
  secured = s;
}

/** The URL and ws options of a watch socket on `clientPort`, secured when the run is. */
export function watchSocketTarget(clientPort: number): { url: string; options: Record<string, unknown> } {
  if (secured === null) return { url: `ws://127.0.0.1:${clientPort}/v1/watch`, options: {} };
  return {
    url: `wss://127.0.0.1:${clientPort}/v1/watch`,
    options: { ...secured.tls, ...(secured.token !== undefined ? { headers: { authorization: `Bearer ${secured.token}` } } : {}) },
  };
}

export type CallResult =
  | { ok: true; status: number; body: any }
  | { ok: false; status?: number; code: string; message: string; /** No request reached the member. */ refused: boolean; timedOut: boolean };

export async function call(method: string, url: string, body: unknown, timeoutMs: number): Promise<CallResult> {
  let res: Response;
  try {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (secured?.token !== undefined) headers.authorization = `Bearer ${secured.token}`;
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) };
    res = (secured === null ? await fetch(url, init) : await undiciFetch(url, { ...init, dispatcher: secured.agent })) as Response;
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    const causeCode = e.cause?.code ?? '';
    return { ok: false, code: timedOut ? 'CLIENT_TIMEOUT' : causeCode || 'NETWORK', message: String(e.message ?? err), refused: causeCode === 'ECONNREFUSED', timedOut };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return { ok: false, status: res.status, code: 'BODY_LOST', message: String(err), refused: false, timedOut: true };
  }
  let parsed: any = null;
  try {
    parsed = text.length ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: parsed };
  const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : `HTTP_${res.status}`;
  const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : String(text).slice(0, 200);
  return { ok: false, status: res.status, code, message, refused: false, timedOut: false };
}

/** The outcome of a write request that did not succeed: did it take effect? */
export function writeFailureOutcome(r: Extract<CallResult, { ok: false }>): Outcome {
  if (r.refused) return 'fail';
  if (r.status !== undefined && r.status >= 400 && r.status < 500) return 'fail';
  if (r.code === 'PROPOSAL_LOST') return 'fail';
  return 'unknown';
}
