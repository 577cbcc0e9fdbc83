// Percent-decoding of paths and query strings: exactly once, strict UTF-8, clear 4xx errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentDecode } from '../../src/api/request-text.js';
import { CodedError } from '../../src/api/errors.js';

const refused = (raw: string, plus = false): void => {
  assert.throws(
    () => percentDecode(raw, 'key', plus),
    (e: unknown) => e instanceof CodedError && e.code === 'INVALID_UTF8',
    JSON.stringify(raw),
  );
};

describe('percentDecode', () => {
  it('decodes ASCII escapes once, in either hex case', () => {
    assert.equal(percentDecode('plain/key', 'key'), 'plain/key');
    assert.equal(percentDecode('bench%2F3%2f55', 'key'), 'bench/3/55');
    assert.equal(percentDecode('%2525', 'key'), '%25', 'decoded exactly once');
    assert.equal(percentDecode('%00x', 'key'), '\u0000x');
    assert.equal(percentDecode('a+b', 'key'), 'a+b');
    assert.equal(percentDecode('a+b%2B', 'q', true), 'a b+');
  });

  it('decodes multi-byte UTF-8, escaped or sent raw (the request line arrives as latin1)', () => {
    assert.equal(percentDecode('caf%C3%A9/%F0%9F%94%91', 'key'), 'café/🔑');
    assert.equal(percentDecode('caf\u00c3\u00a9', 'key'), 'café');
    assert.equal(percentDecode('a%2F\u00c3\u00a9+', 'q', true), 'a/é ');
  });

  it('refuses malformed escapes, bytes that are not UTF-8 and chars beyond latin1', () => {
    for (const raw of ['%', 'ab%', '%2', '%zz', '%2G', '%FF', '%C3', '%C3%28', '%ED%A0%80', '\u00e9', 'x\u0100']) refused(raw);
    refused('%E2%82', true);
  });

  it('agrees with decodeURIComponent on every ASCII input', () => {
    // ASCII in: our latin1-bytes reading and decodeURIComponent's UTF-16 reading coincide, so
    // both must decode to the same text or both refuse.
    const alphabet = ['%', '2', 'F', 'f', 'C', '3', 'A', '9', 'E', '8', '0', 'a', '/', '+', 'z', '7'];
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let n = 0; n < 20000; n++) {
      let raw = '';
      const len = next() % 12;
      for (let i = 0; i < len; i++) raw += alphabet[next() % alphabet.length];
      let want: string | undefined;
      try {
        want = decodeURIComponent(raw);
      } catch {
        want = undefined;
      }
      if (want === undefined) refused(raw);
      else assert.equal(percentDecode(raw, 'key'), want, JSON.stringify(raw));
    }
  });
});
