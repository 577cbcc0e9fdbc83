// The narrow view of a member that the REST and WebSocket layers need. The node driver
// (src/node) implements it; api/ tests may implement it over a StateMachine directly.
// api/ never sees raft internals or storage.
export {};
//# sourceMappingURL=server-facade.js.map