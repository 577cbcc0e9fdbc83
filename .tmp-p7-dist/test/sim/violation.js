// A broken safety or liveness property found by the simulator. `check` names the property so
// tests and the CLI can report which check fired.
export class SimViolation extends Error {
    check;
    constructor(check, detail) {
        super(`${check}: ${detail}`);
        this.check = check;
        this.name = 'SimViolation';
    }
}
//# sourceMappingURL=violation.js.map