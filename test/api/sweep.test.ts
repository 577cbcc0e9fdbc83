// The bad-input sweep (cmd/lib/sweep.ts), small: a few hundred malformed requests and WebSocket
// messages against the API on its real http server; and the sweep's own checks against a server
// that breaks the contract, to show they can fail.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { apiDocPath, readErrorTable } from '../../cmd/lib/error-table.js';
import { runSweep, sweepPassed } from '../../cmd/lib/sweep.js';
import { startHarness } from './harness.js';

const errorTable = readErrorTable(readFileSync(apiDocPath(), 'utf8'));

describe('bad-input sweep', () => {
  it('finds no 5xx, no reset before an answer and no error outside the documented shape', async () => {
    const h = await startHarness({ limits: { maxBodyBytes: 64 * 1024, maxValueBytes: 32 * 1024 }, http: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
    try {
      const r = await runSweep({ endpoints: [`http://127.0.0.1:${h.port}`], requests: 400, wsMessages: 100, errorTable, seed: 7, concurrency: 8, maxBodyBytes: 64 * 1024, answerTimeoutMs: 8_000 });
      assert.deepEqual(r.failures, []);
      assert.equal(r.requests, 400);
      assert.equal(r.wsMessages, 100);
      assert.equal(r.serverErrors + r.resetsWithoutAnswer + r.noAnswer + r.badShape, 0);
      assert.ok(sweepPassed(r));
      // The cases reach every layer: node:http's parser, the router, the routes, the sockets.
      for (const code of ['BAD_REQUEST', 'HEADERS_TOO_LARGE', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INVALID_ARGUMENT', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'BODY_NOT_ALLOWED']) {
        assert.ok((r.byCode[code] ?? 0) > 0, `no ${code} answer among ${JSON.stringify(r.byCode)}`);
      }
    } finally {
      await h.close();
    }
  });

  it('reports 5xx answers, bare errors and closes without an answer', async () => {
    let n = 0;
    const broken = http.createServer((req, res) => {
      n++;
      if (n % 3 === 0) {
        res.statusCode = 500;
        res.end('{"error":{"code":"INTERNAL","message":"x"}}');
      } else if (n % 3 === 1) {
        res.statusCode = 400;
        res.end(); // node:http's bare answer
      } else {
        req.socket.destroy();
      }
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (broken.address() as AddressInfo).port;
      const r = await runSweep({ endpoints: [`http://127.0.0.1:${port}`], requests: 60, wsMessages: 0, errorTable, seed: 7, concurrency: 4, answerTimeoutMs: 8_000 });
      assert.ok(!sweepPassed(r));
      assert.ok(r.serverErrors > 0, JSON.stringify(r));
      assert.ok(r.badShape > 0, JSON.stringify(r));
      assert.ok(r.resetsWithoutAnswer > 0, JSON.stringify(r));
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });
});
