// The hot routes (src/api/hot-routes.ts) answer exactly as koa does: the same request sent as an
// origin-form target (`/v1/kv/k`, served without koa) and as an absolute-form one
// (`http://host/v1/kv/k`, which the hot routes leave to koa) gets the same status, headers that
// matter and body — successes, every kind of refusal, auth, and the request metrics.

import assert from 'node:assert/strict';
import type http from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Router from '@koa/router';
import { HotRoutes } from '../../src/api/hot-routes.js';
import { authSetupSteps } from '../helpers/auth-setup.js';
import { startHarness, type Harness } from './harness.js';

interface Answer {
  status: number;
  contentType: string | undefined;
  allow: string | undefined;
  connection: string | undefined;
  json: any;
}

/** One request through the harness, which writes the target as given (origin-form or
 *  absolute-form), reduced to what the two paths must agree on. */
async function send(h: Harness, method: string, target: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await h.request(method, target, body, headers);
  return { status: r.status, contentType: r.headers['content-type'], allow: r.headers.allow, connection: r.headers.connection, json: r.json };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Revisions, fencing tokens, lease ids and names differ between the two requests of a pair:
 *  compare the answers' shape, keeping error codes and messages. */
function shape(x: unknown): unknown {
  if (typeof x === 'number') return 'number';
  if (typeof x === 'string') return 'string';
  if (Array.isArray(x)) return x.map(shape);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'code' || k === 'message' ? v : shape(v)]));
  return x;
}

describe('hot routes: which requests they take', () => {
  const hot = new HotRoutes();
  const router = new Router();
  const handler = async (): Promise<void> => {};
  hot.add(router, 'PUT', '/v1/kv/*key', handler);
  hot.add(router, 'DELETE', '/v1/locks/*name', handler);
  const find = (method: string, url: string) => hot.find({ method, url } as http.IncomingMessage)?.pattern;

  it('takes plain paths under a hot prefix with the registered method', () => {
    assert.equal(find('PUT', '/v1/kv/a'), '/v1/kv/*key');
    assert.equal(find('PUT', '/v1/kv/a/b%2Fc?prevKv=true'), '/v1/kv/*key');
    assert.equal(find('PUT', '/v1/kv//'), '/v1/kv/*key');
    assert.equal(find('DELETE', '/v1/locks/jobs?fencingToken=3'), '/v1/locks/*name');
  });

  it('leaves everything else to koa', () => {
    assert.equal(find('GET', '/v1/kv/a'), undefined); // not registered here
    assert.equal(find('HEAD', '/v1/kv/a'), undefined);
    assert.equal(find('PUT', '/v1/kv/'), undefined); // an empty key: koa's answer
    assert.equal(find('PUT', '/v1/kv/?x=1'), undefined);
    assert.equal(find('PUT', '/v1/kv'), undefined);
    assert.equal(find('PUT', '/v1/kvx'), undefined);
    assert.equal(find('PUT', '/V1/KV/a'), undefined); // routes are case-sensitive
    assert.equal(find('PUT', 'http://h/v1/kv/a'), undefined); // absolute-form
    assert.equal(find('PUT', '/v1/kv/a#frag'), undefined); // parsed specially by URL parsing
    assert.equal(find('PUT', '/v1/kv/a b'), undefined);
  });

  it('registers each route with the koa router too, and refuses a pattern it cannot serve', () => {
    assert.ok(router.match('/v1/kv/a', 'PUT').route);
    assert.ok(router.match('/v1/locks/x', 'DELETE').route);
    assert.throws(() => hot.add(router, 'GET', '/v1/kv/:key', handler), /is not "<prefix>\/\*<name>"/);
    assert.throws(() => hot.add(router, 'PUT', '/v1/kv/*other', handler), /registered twice/);
  });
});

describe('hot routes: the same answers as koa', () => {
  let h: Harness;
  let koa: (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<Answer>;
  let lean: (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<Answer>;
  beforeEach(async () => {
    h = await startHarness();
    koa = (m, p, b, hd) => send(h, m, `http://127.0.0.1:${h.port}${p}`, b, hd);
    lean = (m, p, b, hd) => send(h, m, p, b, hd);
  });
  afterEach(async () => {
    await h.close();
  });

  /** Send the request both ways (the hot one first) and expect the same answer; return it. */
  async function same(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Answer> {
    const a = await lean(method, path, body, headers);
    const b = await koa(method, path, body, headers);
    assert.deepEqual({ ...a, json: shape(a.json) }, { ...b, json: shape(b.json) }, `${method} ${path}`);
    return a;
  }

  it('puts, gets and deletes keys', async () => {
    const put = await same('PUT', '/v1/kv/app/a%2Fb', JSON.stringify({ value: 'v' }), JSON_HEADERS);
    assert.equal(put.status, 200);
    assert.equal(put.contentType, 'application/json; charset=utf-8');
    const prev = await same('PUT', '/v1/kv/app/a%2Fb', JSON.stringify({ value: 'v', prevKv: true }), JSON_HEADERS);
    assert.equal(prev.json.prevKv.key, 'app/a/b');
    assert.equal((await same('GET', '/v1/kv/app/a%2Fb')).json.value, 'v');
    assert.equal((await same('GET', '/v1/kv/app/a%2Fb?consistency=serializable')).json.value, 'v');
    assert.equal((await same('GET', '/v1/kv/missing')).json.error.code, 'KEY_NOT_FOUND');
    assert.equal((await lean('DELETE', '/v1/kv/app/a%2Fb')).json.deleted, 1);
    assert.equal((await koa('DELETE', '/v1/kv/app/a%2Fb')).json.deleted, 0);
  });

  it('refuses bad requests with the same codes', async () => {
    const cases: [string, string, string | undefined, Record<string, string> | undefined, number, string][] = [
      ['PUT', '/v1/kv/k', '{"value":', JSON_HEADERS, 400, 'INVALID_JSON'],
      ['PUT', '/v1/kv/k', JSON.stringify({ value: 1 }), JSON_HEADERS, 400, 'INVALID_ARGUMENT'],
      ['PUT', '/v1/kv/k', JSON.stringify({ value: 'v' }), { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['PUT', '/v1/kv/k?bogus=1', JSON.stringify({ value: 'v' }), JSON_HEADERS, 400, 'INVALID_ARGUMENT'],
      ['PUT', '/v1/kv/%ZZ', JSON.stringify({ value: 'v' }), JSON_HEADERS, 400, 'INVALID_UTF8'],
      ['GET', '/v1/kv/k', 'a body', { 'content-type': 'text/plain', 'content-length': '6' }, 400, 'BODY_NOT_ALLOWED'],
      ['GET', '/v1/kv/k?consistency=sometimes', undefined, undefined, 400, 'INVALID_ARGUMENT'],
      ['DELETE', '/v1/locks/jobs?fencingToken=0', undefined, undefined, 400, 'INVALID_ARGUMENT'],
      ['POST', '/v1/locks/jobs', JSON.stringify({ ttl: 'soon' }), JSON_HEADERS, 400, 'INVALID_ARGUMENT'],
    ];
    for (const [method, path, body, headers, status, code] of cases) {
      const a = await same(method, path, body, headers);
      assert.equal(a.status, status, `${method} ${path}`);
      assert.equal(a.json.error.code, code, `${method} ${path}`);
    }
  });

  it('refuses a body over the limit and closes the connection, as koa does', async () => {
    const big = JSON.stringify({ value: 'x'.repeat(h.api.limits.maxBodyBytes) });
    const a = await same('PUT', '/v1/kv/k', big, JSON_HEADERS);
    assert.equal(a.status, 413);
    assert.equal(a.connection, 'close');
  });

  it('takes and releases locks', async () => {
    const body = JSON.stringify({ ttl: 10 });
    const a = await lean('POST', '/v1/locks/a', body, JSON_HEADERS);
    const b = await koa('POST', '/v1/locks/b', body, JSON_HEADERS);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.deepEqual({ ...a, json: shape(a.json) }, { ...b, json: shape(b.json) });
    const ra = await lean('DELETE', `/v1/locks/a?fencingToken=${a.json.fencingToken}`);
    const rb = await koa('DELETE', `/v1/locks/b?fencingToken=${b.json.fencingToken}`);
    assert.equal(ra.status, 200, JSON.stringify(ra.json));
    assert.deepEqual({ ...ra, json: shape(ra.json) }, { ...rb, json: shape(rb.json) });
    // Released already: the same refusal both ways.
    const stale = await same('DELETE', `/v1/locks/a?fencingToken=${a.json.fencingToken}`);
    assert.ok(stale.status >= 400, JSON.stringify(stale.json));
  });

  it('counts and times hot requests under their route', async () => {
    const observed: string[] = [];
    await h.close();
    h = await startHarness({ metrics: { observeRequest: (route, status) => observed.push(`${route} ${status}`) } });
    await send(h, 'PUT', '/v1/kv/k', JSON.stringify({ value: 'v' }), JSON_HEADERS);
    await send(h, 'PUT', `http://127.0.0.1:${h.port}/v1/kv/k`, JSON.stringify({ value: 'v' }), JSON_HEADERS);
    await send(h, 'GET', '/v1/kv/nope');
    assert.deepEqual(observed, ['/v1/kv/*key 2xx', '/v1/kv/*key 2xx', '/v1/kv/*key 4xx']);
  });

  it('under auth, asks hot requests for a token like any other', async () => {
    for (const [m, p, b] of authSetupSteps({ rootPassword: 'root-pw', user: 'app', password: 'app-pw', role: 'app-rw', prefixes: ['app/'] })) {
      const r = await h.request(m, p, b);
      assert.equal(r.status, 200, `${m} ${p}: ${r.text}`);
    }
    const login = await h.request('POST', '/v1/auth/authenticate', { name: 'app', password: 'app-pw' });
    const auth = { ...JSON_HEADERS, authorization: `Bearer ${login.json.token}` };
    assert.equal((await same('PUT', '/v1/kv/app/x', JSON.stringify({ value: 'v' }), JSON_HEADERS)).json.error.code, 'UNAUTHENTICATED');
    assert.equal((await same('PUT', '/v1/kv/app/x', JSON.stringify({ value: 'v' }), auth)).status, 200);
    assert.equal((await same('PUT', '/v1/kv/other/x', JSON.stringify({ value: 'v' }), auth)).json.error.code, 'PERMISSION_DENIED');
    assert.equal((await same('GET', '/v1/kv/app/x', undefined, auth)).json.value, 'v');
  });

  it('answers 503 SHUTTING_DOWN once the api closes', async () => {
    await h.api.close();
    const a = await same('PUT', '/v1/kv/k', JSON.stringify({ value: 'v' }), JSON_HEADERS);
    assert.equal(a.status, 503);
    assert.equal(a.json.error.code, 'SHUTTING_DOWN');
  });
});
