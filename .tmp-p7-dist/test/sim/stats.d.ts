export type StatName = 'msgsSent' | 'msgsDelivered' | 'drops' | 'dropsPartitioned' | 'dropsToDownNode' | 'dropsOverflow' | 'dups' | 'reorders' | 'partitionsSymmetric' | 'partitionsOneWay' | 'partitionsIsolateLeader' | 'heals' | 'crashes' | 'crashesMidReady' | 'restarts' | 'clockStalls' | 'proposals' | 'proposalsRefused' | 'writesAcked' | 'writesLost' | 'reads' | 'readsServed' | 'confAddLearner' | 'confPromote' | 'confRemove' | 'confReadd' | 'confRefused' | 'confApplied' | 'transfers' | 'snapshotsSent' | 'snapshotsApplied' | 'compactions' | 'elections';
export declare class Stats {
    readonly counts: Map<StatName, number>;
    inc(name: StatName, by?: number): void;
    get(name: StatName): number;
    addAll(other: Stats): void;
    /** Rows sorted by name, for printing. */
    rows(): Array<[StatName, number]>;
}
