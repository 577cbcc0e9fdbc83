#!/usr/bin/env node
export interface LocalMember {
    name: string;
    clientPort: number;
    peerPort: number;
}
export declare const DEFAULT_MEMBERS: LocalMember[];
export declare function initialClusterFlag(members: LocalMember[], host?: string): string;
export declare function memberArgs(m: LocalMember, members: LocalMember[], dataRoot: string, extra?: string[]): string[];
