import type { Command, CommandResult } from '../../src/state/commands.js';
import type { StateMachine } from '../../src/state/index.js';
/** Apply and assert the result has op `op`; returns the narrowed result. */
export declare function ok<Op extends CommandResult['op']>(sm: StateMachine, cmd: Command, op: Op): Extract<CommandResult, {
    op: Op;
}>;
export declare function err(sm: StateMachine, cmd: Command, code: string): Extract<CommandResult, {
    op: 'error';
}>;
/** mulberry32: a small seeded PRNG for reproducible random command sequences. */
export declare function prng(seed: number): () => number;
