// raftlock_http_requests_total{route,method,code} and raftlock_http_requests_in_flight, through
// the real api (createApi over the fake server) and the daemon's adapter (cmd/lib/wire-metrics).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createApi } from '../../src/api/index.js';
import { CodedError } from '../../src/api/errors.js';
import { createMetrics, type RaftlockMetrics } from '../../src/metrics/index.js';
import { requestCountsOf } from '../../cmd/lib/wire-metrics.js';
import { FakeServer } from '../api/fake-server.js';
import { freePort } from '../helpers/process-cluster.js';

function request(port: number, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HTTP request counts', () => {
  let metrics: RaftlockMetrics;
  let fake: FakeServer;
  let server: http.Server;
  let port: number;

  before(async () => {
    metrics = createMetrics();
    fake = new FakeServer();
    const api = createApi({
      server: fake,
      requestCounts: requestCountsOf(metrics),
      metricsHandler: async (ctx) => {
        ctx.set('Content-Type', metrics.contentType);
        ctx.body = await metrics.render();
      },
    });
    server = http.createServer(api.app.callback());
    port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('each finished request is counted by route pattern, method and status; none stays in flight', async () => {
    assert.equal(await request(port, 'PUT', '/v1/kv/users%2Fann', { value: 'a' }), 200);
    assert.equal(await request(port, 'PUT', '/v1/kv/users%2Fbob', { value: 'b' }), 200);
    assert.equal(await request(port, 'GET', '/v1/kv/users%2Fann'), 200);
    assert.equal(await request(port, 'GET', '/v1/kv/nobody'), 404);
    assert.equal(await request(port, 'GET', '/no/such/route'), 404);
    assert.equal(await request(port, 'PUT', '/v1/kv/bad', '"not an object"'), 400);
    fake.failNextPropose = new CodedError('NO_LEADER', 'test');
    assert.equal(await request(port, 'PUT', '/v1/kv/x', { value: 'x' }), 503);
    assert.equal(await request(port, 'PROPFIND', '/v1/kv/x'), 405);

    // The scrape itself is in flight while it renders.
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await res.text();
    assert.equal(sample(text, 'raftlock_http_requests_in_flight'), 1, text);
    const count = (route: string, method: string, code: number): number | undefined =>
      sample(text, `raftlock_http_requests_total{route="${route}",method="${method}",code="${code}"}`);
    assert.equal(count('/v1/kv/*key', 'PUT', 200), 2);
    assert.equal(count('/v1/kv/*key', 'GET', 200), 1);
    assert.equal(count('/v1/kv/*key', 'GET', 404), 1);
    assert.equal(count('unmatched', 'GET', 404), 1);
    assert.equal(count('/v1/kv/*key', 'PUT', 400), 1);
    assert.equal(count('/v1/kv/*key', 'PUT', 503), 1);
    assert.equal(count('unmatched', 'OTHER', 405), 1);
    assert.doesNotMatch(text, /route="\/v1\/kv\/(users|nobody|x|bad)/, 'never the raw path');
    assert.doesNotMatch(text, /no\/such/);

    const after = await metrics.render();
    assert.equal(sample(after, 'raftlock_http_requests_in_flight'), 0);
    assert.equal(sample(after, 'raftlock_http_requests_total{route="/metrics",method="GET",code="200"}'), 1);
  });
});
