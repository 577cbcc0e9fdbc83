// What the driver needs from the world, declared here (the consumer) and implemented by
// storage/, transport/ and cmd/. The driver never constructs concrete I/O itself.
export {};
//# sourceMappingURL=ports.js.map