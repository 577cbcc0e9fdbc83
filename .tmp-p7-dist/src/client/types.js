// Wire shapes of the REST/WebSocket API (docs/api.md), as the client sees them. Key-value and
// transaction types are the shared contract in state/commands.ts; the rest are the JSON answers.
export {};
//# sourceMappingURL=types.js.map