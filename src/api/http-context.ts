// Per-request helpers shared by the REST routes: body reading, path tails, consistency.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { CodedError } from './errors.js';
import type { ApiLimits } from './limits.js';
import { parseJsonBytes, percentDecode, readRawBody } from './request-text.js';
import { parseWith } from './schemas.js';
import type { ServerFacade } from './server-facade.js';
import { invariant } from '../invariant/index.js';

/**
 * What a route handler may use of its request: the part of koa's context that the hot routes
 * (hot-routes.ts) also give without koa. A koa context is one; so is the lean one.
 */
export interface RouteContext {
  readonly method: string;
  /** The path, still percent-encoded, without the query. */
  readonly path: string;
  /** The query without its `?` ('' when there is none). */
  readonly querystring: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** A request header ('' when absent). */
  get(field: string): string;
  /** Set a response header. */
  set(field: string, value: string): void;
  /** The response status. */
  status: number;
}

/** Where answer() leaves a route's JSON answer for the outermost middleware (create-api.ts). */
export const JSON_ANSWER = Symbol('raftlock.jsonAnswer');

type AnsweringContext = RouteContext & { [JSON_ANSWER]?: object };

/**
 * Answer with a JSON object (status 200 unless given). The outermost middleware serializes and
 * writes it in one write; koa's body setter (content-type lookup, length and status bookkeeping)
 * is skipped, as is its respond(), on every REST answer.
 */
export function answer(ctx: RouteContext, body: object, status = 200): void {
  (ctx as AnsweringContext)[JSON_ANSWER] = body;
  ctx.res.statusCode = status;
}

/** The JSON answer a route gave with answer(), if any. */
export function answerOf(ctx: RouteContext): object | undefined {
  return (ctx as AnsweringContext)[JSON_ANSWER];
}

export interface RouteDeps {
  server: ServerFacade;
  limits: Readonly<ApiLimits>;
}

/**
 * The JSON body, validated. The content type must be application/json (charset, if given, must
 * be utf-8). An empty body is read as `{}` when `emptyAsObject` (routes whose fields are all
 * optional).
 */
export async function readJson<T>(ctx: RouteContext, limits: Readonly<ApiLimits>, schema: z.ZodType<T>, emptyAsObject = false): Promise<T> {
  const raw = await readRawBody(ctx.req, limits.maxBodyBytes);
  if (raw.length === 0 && emptyAsObject) return parseWith(schema, {});
  const type = ctx.get('Content-Type');
  if (!isJsonContentType(type)) {
    throw new CodedError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${type === '' ? 'none' : `"${type}"`}`);
  }
  if (raw.length === 0) throw new CodedError('INVALID_JSON', 'request body is empty; a JSON object is required');
  return parseWith(schema, parseJsonBytes(raw));
}

/** The last Content-Type checked and its verdict: clients send the same one on every request. */
let lastType: string | undefined;
let lastTypeIsJson = false;

function isJsonContentType(header: string): boolean {
  if (header !== lastType) {
    lastTypeIsJson = parseIsJson(header);
    lastType = header;
  }
  return lastTypeIsJson;
}

function parseIsJson(header: string): boolean {
  const [mediaType, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  for (const p of params) {
    const [name, value] = p.split('=').map((s) => s.trim());
    if (name === 'charset' && value !== 'utf-8' && value !== 'utf8' && value !== '"utf-8"') return false;
  }
  return true;
}

/** The raw (still percent-encoded) path after `prefix`, decoded exactly once. */
export function pathTail(ctx: RouteContext, prefix: string, what: string): string {
  const path = ctx.path;
  invariant(path.startsWith(prefix), () => `route for "${prefix}" matched path "${path}"`);
  return percentDecode(path.slice(prefix.length), what);
}

/** `?consistency=`: linearizable (default) waits on a read barrier; serializable reads local
 *  state at once. */
export async function readConsistency(server: ServerFacade, value: string | undefined): Promise<void> {
  if (value === undefined || value === 'linearizable') {
    await server.readBarrier();
    return;
  }
  if (value === 'serializable') return;
  throw new CodedError('INVALID_ARGUMENT', 'consistency must be "linearizable" or "serializable"');
}
