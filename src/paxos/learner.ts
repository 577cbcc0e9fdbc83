// The learner: values known chosen, per slot, and the cursor of what the state machine applied.
// Values may be learned in any order; they are handed to the state machine in slot order, with
// no gaps (a gap waits until its value, perhaps a no-op, is learned).

import { invariant } from '../invariant/index.js';
import type { ChosenEntry, Slot, Value } from './types.js';

export class Learner {
  private readonly chosenBySlot = new Map<Slot, Value>();
  private firstUnchosenSlot: Slot = 1;
  private highestSlot: Slot = 0;
  private appliedUpTo: Slot = 0;
  private readonly newlyLearned: ChosenEntry[] = [];

  constructor(restored: readonly ChosenEntry[] | undefined) {
    for (const e of restored ?? []) {
      this.chosenBySlot.set(e.slot, e.value);
      if (e.slot > this.highestSlot) this.highestSlot = e.slot;
    }
    this.advanceCursor();
    // What was persisted was applied by the previous life; the driver rebuilds it from disk.
    this.appliedUpTo = this.firstUnchosenSlot - 1;
  }

  /** The lowest slot whose value this learner does not know. */
  get firstUnchosen(): Slot {
    return this.firstUnchosenSlot;
  }

  /** The highest slot known chosen (0 when none). */
  get highestChosen(): Slot {
    return this.highestSlot;
  }

  chosen(slot: Slot): { value: Value } | undefined {
    return this.chosenBySlot.has(slot) ? { value: this.chosenBySlot.get(slot) as Value } : undefined;
  }

  /** Record that `value` is chosen in `slot`. Returns false when it was already known. */
  learn(slot: Slot, value: Value): boolean {
    invariant(Number.isSafeInteger(slot) && slot >= 1, () => `learn: bad slot ${slot}`);
    if (this.chosenBySlot.has(slot)) {
      const known = this.chosenBySlot.get(slot);
      invariant(known === value, () => `slot ${slot} learned as ${String(value)} but ${String(known)} was chosen`);
      return false;
    }
    this.chosenBySlot.set(slot, value);
    if (slot > this.highestSlot) this.highestSlot = slot;
    this.newlyLearned.push({ slot, value });
    this.advanceCursor();
    return true;
  }

  /** Chosen values from `from` on, contiguous, at most `max`. */
  chosenRun(from: Slot, max: number): ChosenEntry[] {
    const out: ChosenEntry[] = [];
    for (let s = from; out.length < max && this.chosenBySlot.has(s); s++) out.push({ slot: s, value: this.chosenBySlot.get(s) as Value });
    return out;
  }

  /** Known chosen values in slots >= from (any gaps skipped), at most `max`, slot order. */
  chosenFrom(from: Slot, max: number): ChosenEntry[] {
    const out: ChosenEntry[] = [];
    for (let s = from; s <= this.highestSlot && out.length < max; s++) {
      if (this.chosenBySlot.has(s)) out.push({ slot: s, value: this.chosenBySlot.get(s) as Value });
    }
    return out;
  }

  takeLearned(): ChosenEntry[] {
    return this.newlyLearned.splice(0, this.newlyLearned.length);
  }

  /** Values ready for the state machine: contiguous after the last applied. */
  takeCommitted(): ChosenEntry[] {
    const out: ChosenEntry[] = [];
    while (this.appliedUpTo + 1 < this.firstUnchosenSlot) {
      const slot = ++this.appliedUpTo;
      out.push({ slot, value: this.chosenBySlot.get(slot) as Value });
    }
    return out;
  }

  hasWork(): boolean {
    return this.newlyLearned.length > 0 || this.appliedUpTo + 1 < this.firstUnchosenSlot;
  }

  private advanceCursor(): void {
    while (this.chosenBySlot.has(this.firstUnchosenSlot)) this.firstUnchosenSlot++;
  }
}
