// A raftlockctl failure that already knows its exit code (see EXIT in output.ts) and message.

export class CtlExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
