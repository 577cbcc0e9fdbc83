export const systemClock = {
    now: () => performance.timeOrigin + performance.now(),
    every(ms, fn) {
        const t = setInterval(fn, ms);
        return { cancel: () => clearInterval(t) };
    },
    after(ms, fn) {
        const t = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(t) };
    },
};
//# sourceMappingURL=system-clock.js.map