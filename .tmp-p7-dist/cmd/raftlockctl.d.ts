#!/usr/bin/env node
import { Command } from 'commander';
export declare function buildProgram(): {
    program: Command;
    cleanup: () => Promise<void>;
};
export declare function main(argv: string[]): Promise<number>;
