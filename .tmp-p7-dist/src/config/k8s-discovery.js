// Kubernetes peer discovery for a StatefulSet behind a headless Service.
//
// A StatefulSet names its pods `<set>-<ordinal>` and the headless Service gives each a stable DNS
// name `<pod>.<service>.<namespace>.svc.<clusterDomain>`. From the pod's own name, the replica
// count and the service we can therefore write down the whole initial cluster without asking
// the Kubernetes API. `discoverK8sPeers` is pure; `k8sDiscoveryInputFromEnv` reads the variables
// the StatefulSet sets (see deploy/kubernetes/statefulset.yaml).
import { ConfigError } from './errors.js';
export const DEFAULT_K8S_HOST_TEMPLATE = '{name}.{service}.{namespace}.svc.{domain}';
/** Upper bound on replicas accepted from the environment (Raft clusters stay small). */
export const MAX_K8S_REPLICAS = 15;
const POD_NAME_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)-(\d+)$/;
function hostFor(template, vars) {
    const host = template.replace(/\{([a-z]+)(?:\+(\d+))?\}/g, (whole, key, plus) => {
        if (key === 'i')
            return String(vars.i + (plus === undefined ? 0 : Number(plus)));
        if (plus !== undefined)
            throw new ConfigError('k8sHostTemplate', `only {i+N} may add a number (got ${whole})`);
        switch (key) {
            case 'name': return vars.name;
            case 'set': return vars.set;
            case 'service': return vars.service;
            case 'namespace': return vars.namespace;
            case 'domain': return vars.domain;
            default: throw new ConfigError('k8sHostTemplate', `unknown placeholder ${whole}`);
        }
    });
    if (!/^[A-Za-z0-9.-]+$/.test(host))
        throw new ConfigError('k8sHostTemplate', `produced an invalid host "${host}"`);
    return host;
}
function checkPort(field, port) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new ConfigError(field, `must be a port in 1..65535 (got ${port})`);
}
/** The initial cluster and this member's identity and addresses, from StatefulSet facts. Pure. */
export function discoverK8sPeers(input) {
    const m = POD_NAME_RE.exec(input.podName);
    if (m === null)
        throw new ConfigError('k8sDiscovery', `POD_NAME must look like <statefulset>-<ordinal> (got "${input.podName}")`);
    const set = m[1];
    const ordinal = Number(m[3]);
    if (!Number.isInteger(input.replicas) || input.replicas < 1 || input.replicas > MAX_K8S_REPLICAS) {
        throw new ConfigError('k8sDiscovery', `RAFTLOCK_REPLICAS must be an integer in 1..${MAX_K8S_REPLICAS} (got ${input.replicas})`);
    }
    if (ordinal >= input.replicas) {
        throw new ConfigError('k8sDiscovery', `pod ordinal ${ordinal} is outside the initial cluster of ${input.replicas} replicas; a member added by scaling up must join (--join)`);
    }
    if (input.service === '')
        throw new ConfigError('k8sDiscovery', 'RAFTLOCK_SERVICE must name the headless service');
    if (input.namespace === '')
        throw new ConfigError('k8sDiscovery', 'POD_NAMESPACE must not be empty');
    const stride = input.portStride ?? 0;
    if (!Number.isInteger(stride) || stride < 0 || stride > 1000)
        throw new ConfigError('k8sDiscovery', `port stride must be an integer in 0..1000 (got ${stride})`);
    checkPort('listenPeer', input.peerPort);
    checkPort('listenClient', input.clientPort);
    const template = input.hostTemplate ?? DEFAULT_K8S_HOST_TEMPLATE;
    const domain = input.clusterDomain ?? 'cluster.local';
    const members = [];
    const hosts = [];
    for (let i = 0; i < input.replicas; i++) {
        const name = `${set}-${i}`;
        const host = hostFor(template, { i, name, set, service: input.service, namespace: input.namespace, domain });
        const peerPort = input.peerPort + i * stride;
        const clientPort = input.clientPort + i * stride;
        checkPort('listenPeer', peerPort);
        checkPort('listenClient', clientPort);
        hosts.push(host);
        members.push({ name, peerUrl: `http://${host}:${peerPort}`, clientUrl: `http://${host}:${clientPort}` });
    }
    const self = members[ordinal];
    const bindHost = input.hostTemplate === undefined ? '0.0.0.0' : hosts[ordinal];
    return {
        name: self.name,
        ordinal,
        initialCluster: members,
        advertisePeerUrl: self.peerUrl,
        advertiseClientUrl: self.clientUrl,
        listenPeer: `${bindHost}:${input.peerPort + ordinal * stride}`,
        listenClient: `${bindHost}:${input.clientPort + ordinal * stride}`,
    };
}
function intFromEnv(env, key) {
    const raw = env[key];
    if (raw === undefined || raw === '')
        return undefined;
    if (!/^\d+$/.test(raw))
        throw new ConfigError('k8sDiscovery', `${key} must be a non-negative integer (got "${raw}")`);
    return Number(raw);
}
/**
 * Reads POD_NAME, POD_NAMESPACE, RAFTLOCK_REPLICAS, RAFTLOCK_SERVICE and the optional
 * RAFTLOCK_K8S_HOST_TEMPLATE, RAFTLOCK_K8S_PORT_STRIDE, RAFTLOCK_K8S_CLUSTER_DOMAIN.
 */
export function k8sDiscoveryInputFromEnv(env, ports) {
    const need = (key) => {
        const v = env[key];
        if (v === undefined || v === '')
            throw new ConfigError('k8sDiscovery', `${key} must be set when Kubernetes discovery is on`);
        return v;
    };
    const tmpl = env['RAFTLOCK_K8S_HOST_TEMPLATE'];
    const domain = env['RAFTLOCK_K8S_CLUSTER_DOMAIN'];
    const stride = intFromEnv(env, 'RAFTLOCK_K8S_PORT_STRIDE');
    const replicas = intFromEnv(env, 'RAFTLOCK_REPLICAS');
    if (replicas === undefined)
        need('RAFTLOCK_REPLICAS');
    return {
        podName: need('POD_NAME'),
        namespace: need('POD_NAMESPACE'),
        service: need('RAFTLOCK_SERVICE'),
        replicas: replicas,
        peerPort: ports.peerPort,
        clientPort: ports.clientPort,
        ...(tmpl !== undefined && tmpl !== '' ? { hostTemplate: tmpl } : {}),
        ...(stride !== undefined ? { portStride: stride } : {}),
        ...(domain !== undefined && domain !== '' ? { clusterDomain: domain } : {}),
    };
}
//# sourceMappingURL=k8s-discovery.js.map