// Reading snapshot bytes a piece at a time. A large state's snapshot is tens of MiB of JSON; one
// JSON.parse of it holds the event loop for hundreds of milliseconds. SnapshotReader takes the
// bytes in pieces (push), decodes them as a stream, and parses the two big arrays of the
// document — "kvs" and "history" — a run of whole elements at a time; the rest of the document
// (its header, leases, locks, auth: small) is kept as text and parsed at the end. finish() then
// gives the same document one JSON.parse of all the bytes would, for
// StateMachine.restoreDoc to check and load. The caller decides how pieces are spread over time.
//
// Only the structure of JSON is assumed, not our own encoder's layout: strings are skipped by
// their quotes (honouring escapes), arrays and objects by depth, so keys or values holding
// brackets, quotes or "kvs" parse right.

const BIG_ARRAYS = new Set(['kvs', 'history']);

export class SnapshotReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Text outside the big arrays (they appear in it as []). */
  private skeleton = '';
  /** The big array being read, and the unparsed start of its elements (partial last one). */
  private inArray: string | null = null;
  private carry = '';
  private readonly arrays = new Map<string, unknown[]>();
  private depth = 0;
  private inString = false;
  /** Within a string, the previous character was a backslash that escapes the next one. */
  private escaped = false;
  /** Characters of the current string so far, to recognise a key (only outside big arrays). */
  private lastString = '';
  private stringStart = -1;

  /** The next piece of the snapshot's bytes. Throws on bytes that are not UTF-8 JSON. */
  push(bytes: Uint8Array): void {
    this.text(this.decoder.decode(bytes, { stream: true }));
  }

  /** The whole document. Throws when the bytes did not make one JSON document. */
  finish(): unknown {
    this.text(this.decoder.decode());
    if (this.depth !== 0 || this.inString || this.inArray !== null) throw new Error('snapshot is truncated');
    const doc = JSON.parse(this.skeleton) as Record<string, unknown>;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('snapshot is not a JSON object');
    for (const [name, items] of this.arrays) doc[name] = items;
    return doc;
  }

  private text(s: string): void {
    let i = 0;
    const n = s.length;
    // Where the current run of this piece begins: skeleton text, or array elements.
    let runStart = 0;
    /** In a big array: just after the last top-level comma (elements before it are whole). */
    let cut = -1;
    while (i < n) {
      if (this.inString) {
        // Jump to the next quote; an odd run of backslashes before it escapes it.
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const q = s.indexOf('"', i);
        const b = s.indexOf('\\', i);
        if (b !== -1 && (q === -1 || b < q)) {
          this.escaped = true;
          i = b + 1;
          continue;
        }
        if (q === -1) {
          if (this.inArray === null && this.stringStart >= 0) this.lastString += s.slice(this.stringStart);
          this.stringStart = 0;
          i = n;
          break;
        }
        if (this.inArray === null && this.stringStart >= 0) this.lastString += s.slice(this.stringStart, q);
        this.inString = false;
        i = q + 1;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === 0x22 /* " */) {
        this.inString = true;
        this.lastString = '';
        this.stringStart = i + 1;
      } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
        this.depth++;
        if (this.inArray === null && c === 0x5b && this.depth === 2 && BIG_ARRAYS.has(this.lastString) && this.keyJustBefore(s, runStart, i)) {
          // Entering a big array: the skeleton gets [] and its elements are parsed in runs.
          this.skeleton += s.slice(runStart, i + 1) + ']';
          this.inArray = this.lastString;
          if (!this.arrays.has(this.inArray)) this.arrays.set(this.inArray, []);
          this.carry = '';
          runStart = i + 1;
          cut = -1;
        }
      } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
        this.depth--;
        if (this.depth < 0) throw new Error('snapshot JSON has an unbalanced bracket');
        if (this.inArray !== null && this.depth === 1) {
          this.parseRun(this.carry + s.slice(runStart, i));
          this.carry = '';
          this.inArray = null;
          runStart = i + 1; // the ] is already in the skeleton
          cut = -1;
        }
      } else if (c === 0x2c /* , */ && this.inArray !== null && this.depth === 2) {
        cut = i;
      }
      i++;
    }
    if (this.inArray !== null) {
      if (cut >= runStart) {
        this.parseRun(this.carry + s.slice(runStart, cut));
        this.carry = s.slice(cut + 1);
      } else {
        this.carry += s.slice(runStart);
      }
    } else {
      this.skeleton += s.slice(runStart);
    }
    if (this.inString && this.inArray === null) this.stringStart = 0;
    else this.stringStart = -1;
  }

  /** Whether the big array's name at this point is a key (`"kvs":[`), not a value. */
  private keyJustBefore(s: string, runStart: number, at: number): boolean {
    const before = (this.skeleton + s.slice(runStart, at)).trimEnd();
    return before.endsWith(':') && before.slice(0, -1).trimEnd().endsWith(`"${this.lastString}"`);
  }

  private parseRun(text: string): void {
    if (text.trim() === '') return;
    const items = JSON.parse(`[${text}]`) as unknown[];
    const into = this.arrays.get(this.inArray!)!;
    for (const x of items) into.push(x);
  }
}
