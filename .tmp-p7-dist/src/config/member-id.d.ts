export declare function fnv1a64(bytes: Uint8Array): bigint;
/** A stable member id in [1, 2^52) for `name` in the cluster identified by `clusterToken`. */
export declare function memberIdFor(name: string, clusterToken: string): number;
