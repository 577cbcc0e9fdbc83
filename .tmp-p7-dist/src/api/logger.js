// The slice of a pino-style logger the API uses. Optional everywhere; a no-op by default.
const noop = () => { };
export const silentLogger = { debug: noop, info: noop, warn: noop, error: noop };
//# sourceMappingURL=logger.js.map