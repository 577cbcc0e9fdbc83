// The bytes of the on-disk and on-wire encodings, pinned: these hex strings were produced by the
// codec before it moved from src/storage to src/codec, so a change to the format (which would
// strand existing data directories or split a rolling upgrade) fails here and must be deliberate.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteReader, ByteWriter, decodeEntry, encodeEntry, readHardState, writeHardState } from '../../src/codec/index.js';
import { EntryType, MessageType, type Entry, type Message } from '../../src/raft/types.js';
import { decodeMessage, encodeMessage } from '../../src/transport/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

const entry: Entry = { term: 7, index: 300, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3, 250]) };

function msg(m: Partial<Message> & Pick<Message, 'type'>): Message {
  return { to: 2, from: 1, term: 5, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...m };
}

test('an entry encodes to the pinned bytes and back', () => {
  assert.equal(hex(encodeEntry(entry)), '07ac020104010203fa');
  assert.deepEqual(decodeEntry(bytes('07ac020104010203fa')), entry);
});

test('a hard state encodes to the pinned bytes and back', () => {
  const hs = { term: 2 ** 40, vote: 3, commit: 129 };
  const w = new ByteWriter();
  writeHardState(w, hs);
  assert.equal(hex(w.finish()), '808080808020038101');
  assert.deepEqual(readHardState(new ByteReader(bytes('808080808020038101'), 'hard state')), hs);
});

const messages: Array<[string, Message]> = [
  [
    '030402010504ab02aa02000207ac020104010203fa05ad02000002ff00',
    msg({
      type: MessageType.App,
      logTerm: 4,
      index: 299,
      commit: 298,
      entries: [entry, { term: 5, index: 301, type: EntryType.Normal, data: new Uint8Array() }],
      context: new Uint8Array([0xff, 0]),
    }),
  ],
  [
    '09020201050000000000fa010303010203010904736e6170',
    msg({
      type: MessageType.Snap,
      snapshot: { metadata: { index: 250, term: 3, confState: { voters: [1, 2, 3], learners: [9] } }, data: new TextEncoder().encode('snap') },
    }),
  ],
  ['040101020503c80100960100', msg({ type: MessageType.AppResp, to: 1, from: 2, logTerm: 3, index: 200, reject: true, rejectHint: 150 })],
];

test('peer messages encode to the pinned bytes and back', () => {
  for (const [h, m] of messages) {
    assert.equal(hex(encodeMessage(m)), h, `type ${MessageType[m.type]}`);
    const back = decodeMessage(bytes(h));
    assert.equal(hex(encodeMessage(back)), h);
    assert.deepEqual({ ...back, context: back.context ?? undefined }, { ...m, context: m.context ?? undefined });
  }
});
