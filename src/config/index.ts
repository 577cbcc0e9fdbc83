export {
  loadConfig,
  parseConfig,
  deriveTicks,
  parseHostPort,
  parseInitialCluster,
  formatInitialCluster,
  deepFreeze,
  DEFAULTS,
  DEFAULT_LIMITS,
  MAX_MEMBERS,
  type Config,
  type ClusterMember,
  type HostPort,
  type Limits,
  type LogLevel,
  type LoadConfigOptions,
} from './config.js';
export { ConfigError } from './errors.js';
export { LIMIT_SPECS, NODE_LIMIT_SPECS, apiLimitsOf } from './limits.js';
export { memberIdFor, fnv1a64 } from './member-id.js';
export {
  discoverK8sPeers,
  k8sDiscoveryInputFromEnv,
  DEFAULT_K8S_HOST_TEMPLATE,
  MAX_K8S_REPLICAS,
  type K8sDiscoveryInput,
  type K8sDiscoveryResult,
  type DiscoveredMember,
} from './k8s-discovery.js';
export {
  CONFIG_FIELDS,
  LOG_LEVELS,
  META_OPTIONS,
  configOptions,
  addConfigOptions,
  envNameFor,
  flagNameFor,
  parseConfigArgs,
  type FieldSpec,
  type FieldKind,
  type ParsedArgs,
} from './fields.js';
