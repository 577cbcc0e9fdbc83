import type { Clock } from '../../src/node/ports.js';
export declare const systemClock: Clock;
