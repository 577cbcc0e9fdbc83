// The wire and storage vocabulary of the Raft core. Everything here is plain data: the core
// imports nothing outside src/raft, and the driver (src/node), storage and transport speak these
// types. Names follow the Raft paper and etcd-io/raft.
export const NONE = 0;
export var EntryType;
(function (EntryType) {
    /** Application data (possibly empty: the leader appends an empty entry when it takes office). */
    EntryType[EntryType["Normal"] = 0] = "Normal";
    /** A membership change; `data` is `encodeConfChange(cc)`. */
    EntryType[EntryType["ConfChange"] = 1] = "ConfChange";
})(EntryType || (EntryType = {}));
export var ConfChangeType;
(function (ConfChangeType) {
    ConfChangeType[ConfChangeType["AddVoter"] = 0] = "AddVoter";
    ConfChangeType[ConfChangeType["AddLearner"] = 1] = "AddLearner";
    ConfChangeType[ConfChangeType["RemoveNode"] = 2] = "RemoveNode";
})(ConfChangeType || (ConfChangeType = {}));
export var MessageType;
(function (MessageType) {
    /** Local only: the election timer fired (never sent over the wire). */
    MessageType[MessageType["Hup"] = 0] = "Hup";
    /** Local only: a leader's heartbeat timer fired. */
    MessageType[MessageType["Beat"] = 1] = "Beat";
    MessageType[MessageType["Prop"] = 2] = "Prop";
    MessageType[MessageType["App"] = 3] = "App";
    MessageType[MessageType["AppResp"] = 4] = "AppResp";
    MessageType[MessageType["Vote"] = 5] = "Vote";
    MessageType[MessageType["VoteResp"] = 6] = "VoteResp";
    MessageType[MessageType["PreVote"] = 7] = "PreVote";
    MessageType[MessageType["PreVoteResp"] = 8] = "PreVoteResp";
    MessageType[MessageType["Snap"] = 9] = "Snap";
    MessageType[MessageType["Heartbeat"] = 10] = "Heartbeat";
    MessageType[MessageType["HeartbeatResp"] = 11] = "HeartbeatResp";
    /** Leadership transfer: sent to the leader (possibly forwarded from a follower). */
    MessageType[MessageType["TransferLeader"] = 12] = "TransferLeader";
    /** Leadership transfer: the leader tells an up-to-date target to campaign at once. */
    MessageType[MessageType["TimeoutNow"] = 13] = "TimeoutNow";
    /** A ReadIndex request (local on the leader, or forwarded from a follower). */
    MessageType[MessageType["ReadIndex"] = 14] = "ReadIndex";
    MessageType[MessageType["ReadIndexResp"] = 15] = "ReadIndexResp";
    /** Local only: the application reports a failed snapshot send to `from`. */
    MessageType[MessageType["SnapStatus"] = 16] = "SnapStatus";
    /** Local only: the application reports `from` unreachable (optional hint for flow control). */
    MessageType[MessageType["Unreachable"] = 17] = "Unreachable";
})(MessageType || (MessageType = {}));
export var StateRole;
(function (StateRole) {
    StateRole["Follower"] = "follower";
    StateRole["PreCandidate"] = "pre-candidate";
    StateRole["Candidate"] = "candidate";
    StateRole["Leader"] = "leader";
})(StateRole || (StateRole = {}));
//# sourceMappingURL=types.js.map