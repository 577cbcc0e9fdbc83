// The public surface of the consensus core, as the driver (src/node) and the simulator
// (test/sim) use it. `RawNode` in raw-node.ts implements it. The core is pure: no I/O, no clock,
// no Math.random; everything arrives through these calls and leaves through `ready()`.
export {};
//# sourceMappingURL=api.js.map