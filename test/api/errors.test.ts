import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness.js';

describe('request validation and error shapes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ limits: { maxKeyBytes: 64, maxValueBytes: 1024 } });
  });
  afterEach(async () => {
    await h.close();
  });

  const expectError = (r: { status: number; json: any }, status: number, code: string): void => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
  };

  it('refuses malformed JSON', async () => {
    expectError(await h.request('PUT', '/v1/kv/k', '{"value": "x"', { 'content-type': 'application/json' }), 400, 'INVALID_JSON');
    expectError(await h.request('PUT', '/v1/kv/k', '', { 'content-type': 'application/json' }), 400, 'INVALID_JSON');
  });

  it('refuses a body that is not application/json', async () => {
    expectError(await h.request('PUT', '/v1/kv/k', '{"value":"x"}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await h.request('PUT', '/v1/kv/k', '{"value":"x"}', { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const ok = await h.request('PUT', '/v1/kv/k', '{"value":"x"}', { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(ok.status, 200);
    // The verdict on the last type seen is remembered: switching back and forth stays right.
    expectError(await h.request('PUT', '/v1/kv/k', '{"value":"x"}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await h.request('PUT', '/v1/kv/k', '{"value":"x"}', { 'content-type': 'application/json' })).status, 200);
  });

  it('refuses unknown fields and wrong types, naming the field', async () => {
    const unknown = await h.request('PUT', '/v1/kv/k', { value: 'x', ttl: 5 });
    expectError(unknown, 400, 'INVALID_ARGUMENT');
    assert.match(unknown.json.error.message, /unknown field "ttl"/);
    const wrongType = await h.request('PUT', '/v1/kv/k', { value: 42 });
    expectError(wrongType, 400, 'INVALID_ARGUMENT');
    assert.equal(wrongType.json.error.field, 'body.value');
    expectError(await h.request('PUT', '/v1/kv/k', [1, 2]), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('PUT', '/v1/kv/k', 'null', { 'content-type': 'application/json' }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('POST', '/v1/leases', { ttl: 1.5 }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('POST', '/v1/compact', { revision: -1 }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('GET', '/v1/kv?limit=abc'), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('GET', '/v1/kv?limit=0'), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('GET', '/v1/kv?bogus=1'), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('GET', '/v1/kv?prefix=a&prefix=b'), 400, 'INVALID_ARGUMENT');
    assert.equal(h.fake.applied.length, 0);
  });

  it('answers 413 for a really oversized body, counted while reading', async () => {
    await h.close();
    h = await startHarness({ limits: { maxBodyBytes: 64 * 1024, maxValueBytes: 1024 * 1024 } });
    const big = JSON.stringify({ value: 'x'.repeat(100 * 1024) });
    expectError(await h.request('PUT', '/v1/kv/k', big, { 'content-type': 'application/json' }), 413, 'PAYLOAD_TOO_LARGE');
    // chunked (no Content-Length): the limit still holds
    const http = await import('node:http');
    const chunked = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: h.port, method: 'PUT', path: '/v1/kv/k3', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
      r.on('error', reject);
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      for (let i = 0; i < 10; i++) r.write('x'.repeat(10 * 1024));
      r.end();
    });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(h.fake.sm.get('k'), undefined);
    assert.equal(h.fake.sm.get('k3'), undefined);
  });

  it('refuses keys and values over the size limits and empty keys', async () => {
    expectError(await h.request('PUT', `/v1/kv/${'k'.repeat(65)}`, { value: 'x' }), 400, 'INVALID_ARGUMENT');
    // 22 x 3-byte chars = 66 bytes > 64 even though it is 22 characters
    expectError(await h.request('PUT', `/v1/kv/${encodeURIComponent('€'.repeat(22))}`, { value: 'x' }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('PUT', '/v1/kv/k', { value: 'v'.repeat(1025) }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('PUT', '/v1/kv/', { value: 'x' }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('PUT', '/v1/kv', { value: 'x' }), 400, 'INVALID_ARGUMENT');
    expectError(await h.request('POST', '/v1/txn', { success: [{ put: { key: '', value: 'x' } }] }), 400, 'INVALID_ARGUMENT');
    assert.equal(h.fake.applied.length, 0);
  });

  it('refuses bad UTF-8 in the body: invalid bytes and lone surrogate escapes', async () => {
    const invalid = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expectError(await h.request('PUT', '/v1/kv/k', invalid, { 'content-type': 'application/json' }), 400, 'INVALID_UTF8');
    expectError(await h.request('PUT', '/v1/kv/k', '{"value":"\\ud800x"}', { 'content-type': 'application/json' }), 400, 'INVALID_UTF8');
    expectError(await h.request('PUT', '/v1/kv/k', '{"value":"x","\\udc00":1}', { 'content-type': 'application/json' }), 400, 'INVALID_UTF8');
    // a well-formed surrogate pair is fine
    assert.equal((await h.request('PUT', '/v1/kv/k', '{"value":"\\ud83d\\ude00"}', { 'content-type': 'application/json' })).status, 200);
    assert.equal(h.fake.sm.get('k')?.value, '😀');
  });

  it('refuses bad percent-encoding and bad UTF-8 in the path and query', async () => {
    expectError(await h.request('GET', '/v1/kv/a%ZZ'), 400, 'INVALID_UTF8');
    expectError(await h.request('GET', '/v1/kv/a%'), 400, 'INVALID_UTF8');
    expectError(await h.request('PUT', '/v1/kv/%FF%FE', { value: 'x' }), 400, 'INVALID_UTF8');
    expectError(await h.request('PUT', '/v1/kv/%ED%A0%80', { value: 'x' }), 400, 'INVALID_UTF8'); // encoded surrogate
    expectError(await h.request('GET', '/v1/kv?prefix=%C3'), 400, 'INVALID_UTF8');
    expectError(await h.request('DELETE', '/v1/locks/x?fencingToken=%G1'), 400, 'INVALID_UTF8');
    expectError(await h.request('GET', '/v1/leases/a%FF'), 400, 'INVALID_UTF8');
    // a correctly encoded multi-byte key works
    assert.equal((await h.request('PUT', `/v1/kv/${encodeURIComponent('ключ')}`, { value: 'x' })).status, 200);
    assert.equal(h.fake.sm.get('ключ')?.value, 'x');
  });

  it('answers 404 NOT_FOUND JSON for unknown routes and 405 for wrong methods', async () => {
    expectError(await h.request('GET', '/v2/kv/x'), 404, 'NOT_FOUND');
    expectError(await h.request('GET', '/'), 404, 'NOT_FOUND');
    const wrong = await h.request('POST', '/v1/kv/x', { value: 'x' });
    expectError(wrong, 405, 'METHOD_NOT_ALLOWED');
    assert.match(String(wrong.headers.allow), /PUT/);
    expectError(await h.request('PATCH', '/v1/cluster', {}), 405, 'METHOD_NOT_ALLOWED');
    expectError(await h.request('PUT', '/v1/txn', {}), 405, 'METHOD_NOT_ALLOWED');
  });

  it('maps proposal failures to their status and never leaks internals', async () => {
    const { CodedError } = await import('../../src/api/errors.js');
    h.fake.failNextPropose = new CodedError('TIMEOUT', 'outcome unknown');
    expectError(await h.request('PUT', '/v1/kv/k', { value: 'x' }), 504, 'TIMEOUT');
    h.fake.failNextPropose = new CodedError('PROPOSAL_LOST', 'overwritten');
    const lost = await h.request('PUT', '/v1/kv/k', { value: 'x' });
    expectError(lost, 503, 'PROPOSAL_LOST');
    assert.equal(lost.headers['retry-after'], '1');
    h.fake.failNextPropose = new Error('secret internal detail') as never;
    const internal = await h.request('PUT', '/v1/kv/k', { value: 'x' });
    expectError(internal, 500, 'INTERNAL');
    assert.doesNotMatch(internal.text, /secret/);
  });
});
