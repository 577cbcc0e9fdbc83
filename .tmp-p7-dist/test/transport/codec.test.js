import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameError, FrameKind, decodeMessage, encodeMessage, msgFrame, parseFrame, } from '../../src/transport/index.js';
import { EntryType, MessageType } from '../../src/raft/types.js';
function base(type) {
    return { type, to: 2, from: 1, term: 7, logTerm: 6, index: 41, entries: [], commit: 40, reject: false, rejectHint: 0 };
}
const binary = new Uint8Array(256).map((_, i) => 255 - i);
const samples = [
    base(MessageType.Prop),
    {
        ...base(MessageType.App),
        entries: [
            { term: 6, index: 42, type: EntryType.Normal, data: binary },
            { term: 7, index: 43, type: EntryType.ConfChange, data: new Uint8Array([0, 0, 0]) },
            { term: 7, index: 44, type: EntryType.Normal, data: new Uint8Array(0) },
        ],
    },
    { ...base(MessageType.AppResp), reject: true, rejectHint: 17, logTerm: 3 },
    base(MessageType.Vote),
    { ...base(MessageType.VoteResp), reject: true },
    base(MessageType.PreVote),
    base(MessageType.PreVoteResp),
    {
        ...base(MessageType.Snap),
        snapshot: { metadata: { index: 1000, term: 5, confState: { voters: [1, 2, 3], learners: [9] } }, data: binary },
    },
    { ...base(MessageType.Heartbeat), context: new Uint8Array([1, 2, 3]) },
    { ...base(MessageType.HeartbeatResp), context: new Uint8Array(0) },
    base(MessageType.TransferLeader),
    { ...base(MessageType.TimeoutNow), context: new Uint8Array(Buffer.from('transfer')) },
    { ...base(MessageType.ReadIndex), context: new Uint8Array([0xff, 0]) },
    { ...base(MessageType.ReadIndexResp), index: 2 ** 53 - 1, term: 2 ** 40, context: new Uint8Array([0xff, 0]) },
];
describe('message codec', () => {
    it('round-trips every wire message type, including entries with binary data and snapshots', () => {
        const seen = new Set();
        for (const m of samples) {
            const back = decodeMessage(encodeMessage(m));
            assert.deepEqual(back, m);
            seen.add(m.type);
        }
        for (const t of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
            assert.ok(seen.has(t), `type ${t} not covered`);
    });
    it('is compact: a heartbeat is a few bytes', () => {
        assert.ok(encodeMessage(base(MessageType.Heartbeat)).length < 16);
    });
    it('rejects every truncation and trailing garbage with a clear error', () => {
        const enc = encodeMessage(samples[1]);
        for (let n = 0; n < enc.length; n++) {
            assert.throws(() => decodeMessage(enc.subarray(0, n)), /truncated|cannot fit/, `prefix of ${n} bytes`);
        }
        const longer = new Uint8Array(enc.length + 1);
        longer.set(enc);
        assert.throws(() => decodeMessage(longer), /trailing/);
    });
    it('rejects unknown message and entry types', () => {
        const enc = encodeMessage(base(MessageType.Heartbeat));
        enc[0] = 99;
        assert.throws(() => decodeMessage(enc), /unknown message type 99/);
        const app = encodeMessage(samples[1]);
        // entry type byte of the first entry follows: type, flags, 7 small varints (41 and 40 are 1 byte each), count, term, index
        const at = 2 + 7 + 1 + 1 + 1;
        assert.equal(app[at], EntryType.Normal);
        app[at] = 7;
        assert.throws(() => decodeMessage(app), /unknown entry type 7/);
    });
});
describe('frame decoder', () => {
    it('reassembles frames fed one byte at a time', () => {
        const frames = [msgFrame(samples[1], 1 << 20), msgFrame(samples[7], 1 << 20), msgFrame(samples[0], 1 << 20)];
        const stream = Buffer.concat(frames);
        const dec = new FrameDecoder(1 << 20);
        const out = [];
        for (let i = 0; i < stream.length; i++) {
            dec.push(stream.subarray(i, i + 1), (kind, body) => {
                const f = parseFrame(kind, body);
                assert.equal(f.kind, FrameKind.Msg);
                if (f.kind === FrameKind.Msg)
                    out.push(f.message);
            });
        }
        assert.deepEqual(out, [samples[1], samples[7], samples[0]]);
        assert.ok(dec.idle);
    });
    it('rejects oversized, empty and unknown frames before buffering them', () => {
        const dec = new FrameDecoder(1000);
        assert.throws(() => dec.push(Buffer.from([0, 0, 0x10, 0, FrameKind.Msg]), () => assert.fail('no frame expected')), (e) => e instanceof FrameError && e.code === 'FRAME_TOO_LARGE');
        assert.throws(() => new FrameDecoder(1000).push(Buffer.from([0, 0, 0, 0, 1]), () => undefined), /below the minimum/);
        assert.throws(() => new FrameDecoder(1000).push(Buffer.from([0, 0, 0, 1, 200]), () => undefined), /unknown frame kind 200/);
    });
    it('refuses to encode a message larger than the frame limit', () => {
        const big = { ...base(MessageType.App), entries: [{ term: 1, index: 1, type: EntryType.Normal, data: new Uint8Array(5000) }] };
        assert.throws(() => msgFrame(big, 4096), (e) => e instanceof FrameError && e.code === 'FRAME_TOO_LARGE');
    });
    it('parseFrame rejects a malformed body with MALFORMED_FRAME', () => {
        assert.throws(() => parseFrame(FrameKind.Msg, new Uint8Array([MessageType.App, 0, 0x80])), (e) => e instanceof FrameError && e.code === 'MALFORMED_FRAME' && /truncated/.test(e.message));
    });
});
//# sourceMappingURL=codec.test.js.map