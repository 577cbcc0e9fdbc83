// Coded errors thrown by state/ outside apply (apply itself never throws for a bad command: it
// returns an `{op:'error'}` result). The codes match the api error table, so api/ can map them.

export type StateThrownCode = 'INVALID_COMMAND' | 'TOO_MANY_WATCHERS' | 'SHUTTING_DOWN' | 'COMPACTED' | 'FUTURE_REVISION';

export class StateError extends Error {
  readonly code: StateThrownCode;
  constructor(code: StateThrownCode, message: string) {
    super(message);
    this.name = 'StateError';
    this.code = code;
  }
}
