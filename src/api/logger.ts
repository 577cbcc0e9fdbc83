// The slice of a pino-style logger the API uses. Optional everywhere; a no-op by default.

export interface ApiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: ApiLogger = { debug: noop, info: noop, warn: noop, error: noop };
