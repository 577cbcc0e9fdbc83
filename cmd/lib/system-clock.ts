// The real clock, wired by cmd/ into the driver (src/node takes any Clock).
import type { Cancelable, Clock } from '../../src/node/ports.js';

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  every(ms: number, fn: () => void): Cancelable {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
  after(ms: number, fn: () => void): Cancelable {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  defer(fn: () => void): void {
    setImmediate(fn);
  },
};
