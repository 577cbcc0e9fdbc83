// Commands replicated through the Raft log and the results their apply produces.
// This file is the contract between api/ (which builds commands from requests), node/ (which
// proposes them and hands results back) and state/ (which applies them deterministically).
// Every field is plain JSON data; values and keys are UTF-8 strings.
export {};
//# sourceMappingURL=commands.js.map