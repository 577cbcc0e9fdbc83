import type { Command } from './commands.js';
/**
 * Check a decoded command and return a normalised copy holding only the known fields.
 * Throws a StateError with code INVALID_COMMAND and a message naming the bad field.
 */
export declare function validateCommand(x: unknown): Command;
/** JSON in UTF-8. */
export declare function encodeCommand(cmd: Command): Uint8Array;
/** Decode and validate; throws StateError(INVALID_COMMAND) for bad UTF-8, bad JSON or a bad command. */
export declare function decodeCommand(bytes: Uint8Array): Command;
