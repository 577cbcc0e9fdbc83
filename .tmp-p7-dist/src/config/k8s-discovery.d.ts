export interface K8sDiscoveryInput {
    /** This pod's name, `<set>-<ordinal>` (from the downward API: metadata.name). */
    readonly podName: string;
    /** Number of members in the initial cluster (the StatefulSet's replicas). */
    readonly replicas: number;
    /** Name of the headless Service. */
    readonly service: string;
    readonly namespace: string;
    /** Base peer and client ports (member i uses base + i * portStride). */
    readonly peerPort: number;
    readonly clientPort: number;
    /**
     * Host for member i. Placeholders: `{i}`, `{i+N}` (ordinal plus a constant), `{name}` (pod name),
     * `{set}`, `{service}`, `{namespace}`, `{domain}`. Default
     * `{name}.{service}.{namespace}.svc.{domain}`. With a template set, members also listen on their
     * own templated host instead of 0.0.0.0, so a test can map the environment onto loopback
     * (`127.0.0.{i+1}`, or `127.0.0.1` with a port stride).
     */
    readonly hostTemplate?: string;
    /** Port offset between consecutive ordinals (default 0: every member uses the same ports). */
    readonly portStride?: number;
    /** Cluster DNS domain (default `cluster.local`). */
    readonly clusterDomain?: string;
}
export interface DiscoveredMember {
    readonly name: string;
    readonly peerUrl: string;
    readonly clientUrl: string;
}
export interface K8sDiscoveryResult {
    readonly name: string;
    readonly ordinal: number;
    readonly initialCluster: readonly DiscoveredMember[];
    readonly advertisePeerUrl: string;
    readonly advertiseClientUrl: string;
    readonly listenPeer: string;
    readonly listenClient: string;
}
export declare const DEFAULT_K8S_HOST_TEMPLATE = "{name}.{service}.{namespace}.svc.{domain}";
/** Upper bound on replicas accepted from the environment (Raft clusters stay small). */
export declare const MAX_K8S_REPLICAS = 15;
/** The initial cluster and this member's identity and addresses, from StatefulSet facts. Pure. */
export declare function discoverK8sPeers(input: K8sDiscoveryInput): K8sDiscoveryResult;
/**
 * Reads POD_NAME, POD_NAMESPACE, RAFTLOCK_REPLICAS, RAFTLOCK_SERVICE and the optional
 * RAFTLOCK_K8S_HOST_TEMPLATE, RAFTLOCK_K8S_PORT_STRIDE, RAFTLOCK_K8S_CLUSTER_DOMAIN.
 */
export declare function k8sDiscoveryInputFromEnv(env: Record<string, string | undefined>, ports: {
    peerPort: number;
    clientPort: number;
}): K8sDiscoveryInput;
