#!/usr/bin/env node
import { type Config } from '../src/config/index.js';
export declare function runDaemon(config: Config): Promise<{
    stop(): Promise<void>;
}>;
