import type { CommandResult, KeyValue, LockHolder, LockWaiter, WatchEvent } from '../state/commands.js';
export interface KeyValueJson {
    key: string;
    value: string;
    createRevision: number;
    modRevision: number;
    version: number;
    lease: string;
}
export interface LockHolderJson {
    name: string;
    lease: string;
    fencingToken: number;
    revision: number;
}
export interface LockWaiterJson {
    lease: string;
    revision: number;
}
export interface WatchEventJson {
    type: 'put' | 'delete';
    kv: KeyValueJson;
    prevKv?: KeyValueJson;
}
export declare function kvJson(kv: KeyValue): KeyValueJson;
export declare function holderJson(h: LockHolder | null | undefined): LockHolderJson | null;
export declare function waiterJson(w: LockWaiter): LockWaiterJson;
export declare function eventJson(ev: WatchEvent, withPrevKv: boolean): WatchEventJson;
/** The result of a proposal, narrowed to the op we proposed. A refusal by apply becomes its coded
 *  error; a result for a different op is a broken contract and fails loudly. */
export declare function expectResult<K extends CommandResult['op']>(result: CommandResult, op: K): Extract<CommandResult, {
    op: K;
}>;
