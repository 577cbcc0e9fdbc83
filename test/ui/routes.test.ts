// The status page's routes over the fake facade (no browser): the page and its files with their
// security headers, strict input, and GET /ui/members asking the other members for their view.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { closedPortUrl } from '../client/fake-endpoint.js';
import { startHarness, type Harness } from '../api/harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
const start = async (): Promise<Harness> => {
  const h = await startHarness();
  harnesses.push(h);
  return h;
};

test('GET /ui and its files: content types, CSP without inline script, nothing else served', async () => {
  const h = await start();
  const page = await h.request('GET', '/ui');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.match(page.text, /<script type="module" src="ui\/app\.js"><\/script>/);
  for (const [file, type] of [['app.js', /^text\/javascript/], ['view.js', /^text\/javascript/], ['style.css', /^text\/css/]] as const) {
    const r = await h.request('GET', `/ui/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(String(r.headers['content-type']), type, file);
    assert.ok(r.headers['content-security-policy'], file);
  }
  const slash = await h.request('GET', '/ui/');
  assert.equal(slash.status, 308, 'the page links are relative to /ui');
  assert.equal(slash.headers.location, '../ui');
  const head = await h.request('HEAD', '/ui');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');

  for (const path of ['/ui/index.html', '/ui/nope.js', '/ui/..%2Fpackage.json', '/ui/%2E%2E%2Froutes-ui.js', '/ui/app.js/x']) {
    const r = await h.request('GET', path);
    assert.equal(r.status, 404, path);
    assert.equal(r.json.error.code, 'NOT_FOUND', path);
  }
  const post = await h.request('POST', '/ui', {});
  assert.equal(post.status, 405);
  assert.equal(post.json.error.code, 'METHOD_NOT_ALLOWED');
  for (const path of ['/ui?token=abc', '/ui/app.js?v=1', '/ui/members?x']) {
    const r = await h.request('GET', path);
    assert.equal(r.status, 400, path);
    assert.equal(r.json.error.code, 'INVALID_ARGUMENT', path);
  }
});

test('GET /ui/members: this member from its own state, the others as they answer, the unreachable marked so', async () => {
  const self = await start();
  const other = await start();
  other.fake.ready = { ready: false, reason: 'no leader known' };
  const gone = await closedPortUrl();
  for (const [name, clientUrl] of [['n2', `http://127.0.0.1:${other.port}`], ['n3', gone]]) {
    const add = await self.request('POST', '/v1/members', { name, peerUrl: 'http://127.0.0.1:1', clientUrl });
    assert.equal(add.status, 200);
  }
  const r = await self.request('GET', '/ui/members');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.self, 'n1');
  assert.equal(r.json.leader, 'n1');
  const byName = new Map((r.json.members as { name: string }[]).map((m) => [m.name, m as Record<string, unknown>]));
  assert.deepEqual([...byName.keys()].sort(), ['n1', 'n2', 'n3']);
  assert.equal(byName.get('n1')!.ready, true);
  assert.equal(byName.get('n1')!.role, 'leader');
  // n2 is another api: it answers its own /v1/cluster (the fake says "n1, leader, term 3") and a
  // 503 /readyz with its reason.
  assert.equal(byName.get('n2')!.reachable, true);
  assert.equal(byName.get('n2')!.ready, false);
  assert.match(String(byName.get('n2')!.reason), /no leader known/);
  assert.equal(byName.get('n2')!.term, 3);
  assert.equal(byName.get('n3')!.reachable, false);
  assert.equal(byName.get('n3')!.role, 'unknown');
  assert.match(String(byName.get('n3')!.reason), /^unreachable/);
});
