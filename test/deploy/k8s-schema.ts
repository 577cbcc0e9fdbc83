// Offline validation of Kubernetes manifests.
//
// Built-in kinds are checked against the OpenAPI-generated models of @kubernetes/client-node
// (a devDependency): each model class carries an `attributeTypeMap` listing every field and its
// type, so we can reject unknown (misspelled) fields and wrong types without a cluster. We import
// the model files directly; the package's entry point needs Node 22.
//
// Prometheus Operator kinds (ServiceMonitor, PrometheusRule), cert-manager's (Issuer, Certificate)
// and kustomize's Kustomization are not in those models: they are checked against strict zod
// schemas of the subset of their published schemas (monitoring.coreos.com/v1, cert-manager.io/v1,
// kustomize.config.k8s.io/v1beta1) that we use.
// A field outside that subset is reported as unknown, which errs on the safe side.

import { z } from 'zod';

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

const modelCache = new Map<string, readonly Attribute[]>();

async function attributesOf(model: string): Promise<readonly Attribute[]> {
  const hit = modelCache.get(model);
  if (hit !== undefined) return hit;
  if (!/^[A-Za-z0-9]+$/.test(model)) throw new Error(`bad model name ${model}`);
  let mod: Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;
  try {
    mod = (await import(`@kubernetes/client-node/dist/gen/models/${model}.js`)) as typeof mod;
  } catch (err) {
    throw new Error(`no Kubernetes model ${model} in @kubernetes/client-node (is the devDependency installed?)`, { cause: err });
  }
  const cls = mod[model];
  if (cls?.getAttributeTypeMap === undefined) throw new Error(`model ${model} has no attribute map`);
  const attrs = cls.getAttributeTypeMap();
  modelCache.set(model, attrs);
  return attrs;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x === 'string' ? `string ${JSON.stringify(x)}` : `${typeof x} ${JSON.stringify(x)}`;
}

async function check(value: unknown, type: string, format: string, path: string, errors: string[]): Promise<void> {
  const arr = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (type === 'any') return;
  if (type === 'string') {
    if (typeof value !== 'string') errors.push(`${path}: expected string, got ${describe(value)}`);
    return;
  }
  if (type === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${path}: expected number, got ${describe(value)}`);
    else if ((format === 'int32' || format === 'int64') && !Number.isInteger(value)) errors.push(`${path}: expected integer, got ${value}`);
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${path}: expected boolean, got ${describe(value)}`);
    return;
  }
  if (type === 'Date') {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) errors.push(`${path}: expected RFC 3339 time, got ${describe(value)}`);
    return;
  }
  if (type === 'IntOrString') {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) errors.push(`${path}: expected integer or string, got ${describe(value)}`);
    return;
  }
  if (arr !== null) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected list, got ${describe(value)}`);
      return;
    }
    for (let i = 0; i < value.length; i++) await check(value[i], arr[1]!, '', `${path}[${i}]`, errors);
    return;
  }
  if (map !== null) {
    if (!isPlainObject(value)) {
      errors.push(`${path}: expected mapping, got ${describe(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) await check(v, map[1]!, '', `${path}.${k}`, errors);
    return;
  }
  // a model
  if (!isPlainObject(value)) {
    errors.push(`${path}: expected ${type} object, got ${describe(value)}`);
    return;
  }
  const attrs = await attributesOf(type);
  const byName = new Map(attrs.map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const a = byName.get(k);
    const p = path === '' ? k : `${path}.${k}`;
    if (a === undefined) {
      errors.push(`${p}: unknown field in ${type}`);
      continue;
    }
    await check(v, a.type, a.format, p, errors);
  }
}

/** The group/version each built-in kind we ship is served under. */
const API_VERSION_OF: Record<string, string> = {
  ConfigMap: 'v1',
  Service: 'v1',
  Secret: 'v1',
  StatefulSet: 'apps/v1',
  Deployment: 'apps/v1',
  PodDisruptionBudget: 'policy/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

/** `apps/v1` + `StatefulSet` -> `V1StatefulSet`; `v1` + `Service` -> `V1Service`. */
export function modelFor(apiVersion: string, kind: string): string {
  const version = apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

// ---- Prometheus Operator and kustomize subsets -------------------------------------------------

const labelMap = z.record(z.string(), z.string());
const objectMeta = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: labelMap.optional(),
  annotations: labelMap.optional(),
});
const labelSelector = z.strictObject({
  matchLabels: labelMap.optional(),
  matchExpressions: z.array(z.strictObject({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() })).optional(),
});
const duration = z.string().regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, 'must be a Prometheus duration');

const ServiceMonitorSchema = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('ServiceMonitor'),
  metadata: objectMeta,
  spec: z.strictObject({
    jobLabel: z.string().optional(),
    selector: labelSelector,
    namespaceSelector: z.strictObject({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() }).optional(),
    endpoints: z
      .array(
        z.strictObject({
          port: z.string().optional(),
          targetPort: z.union([z.string(), z.int()]).optional(),
          path: z.string().optional(),
          scheme: z.enum(['http', 'https']).optional(),
          interval: duration.optional(),
          scrapeTimeout: duration.optional(),
          honorLabels: z.boolean().optional(),
        }),
      )
      .min(1),
  }),
});

const ruleSchema = z.strictObject({
  alert: z.string().optional(),
  record: z.string().optional(),
  expr: z.union([z.string(), z.int()]),
  for: duration.optional(),
  keep_firing_for: duration.optional(),
  labels: labelMap.optional(),
  annotations: labelMap.optional(),
});
export const RuleGroupsSchema = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string(), interval: duration.optional(), limit: z.int().optional(), rules: z.array(ruleSchema) })),
});
const PrometheusRuleSchema = z.strictObject({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('PrometheusRule'),
  metadata: objectMeta,
  spec: RuleGroupsSchema,
});

const KustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string().optional(),
  namePrefix: z.string().optional(),
  resources: z.array(z.string()).optional(),
  labels: z.array(z.strictObject({ pairs: labelMap, includeSelectors: z.boolean().optional(), includeTemplates: z.boolean().optional() })).optional(),
  images: z.array(z.strictObject({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional(), digest: z.string().optional() })).optional(),
  patches: z.array(z.strictObject({ path: z.string().optional(), patch: z.string().optional(), target: z.record(z.string(), z.string()).optional() })).optional(),
});

// cert-manager.io/v1 (the subset of its published CRD schemas the TLS overlay uses).
const issuerRef = z.strictObject({ name: z.string().min(1), kind: z.enum(['Issuer', 'ClusterIssuer']).optional(), group: z.literal('cert-manager.io').optional() });
const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
] as const;
const goDuration = z.string().regex(/^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/, 'must be a Go duration such as 2160h');
const CertificateSchema = z.strictObject({
  apiVersion: z.literal('cert-manager.io/v1'),
  kind: z.literal('Certificate'),
  metadata: objectMeta,
  spec: z.strictObject({
    secretName: z.string().min(1),
    issuerRef,
    commonName: z.string().max(64).optional(),
    dnsNames: z.array(z.string().min(1)).optional(),
    ipAddresses: z.array(z.string()).optional(),
    uris: z.array(z.string()).optional(),
    isCA: z.boolean().optional(),
    duration: goDuration.optional(),
    renewBefore: goDuration.optional(),
    usages: z.array(z.enum(KEY_USAGES)).optional(),
    privateKey: z
      .strictObject({
        algorithm: z.enum(['RSA', 'ECDSA', 'Ed25519']).optional(),
        encoding: z.enum(['PKCS1', 'PKCS8']).optional(),
        size: z.int().optional(),
        rotationPolicy: z.enum(['Never', 'Always']).optional(),
      })
      .optional(),
    subject: z.record(z.string(), z.array(z.string())).optional(),
    secretTemplate: z.strictObject({ labels: labelMap.optional(), annotations: labelMap.optional() }).optional(),
  }),
});
const issuerSpec = z
  .strictObject({
    selfSigned: z.strictObject({ crlDistributionPoints: z.array(z.string()).optional() }).optional(),
    ca: z.strictObject({ secretName: z.string().min(1), crlDistributionPoints: z.array(z.string()).optional() }).optional(),
  })
  .refine((s) => (s.selfSigned === undefined) !== (s.ca === undefined), 'exactly one of selfSigned, ca');
const IssuerSchema = z.strictObject({ apiVersion: z.literal('cert-manager.io/v1'), kind: z.literal('Issuer'), metadata: objectMeta, spec: issuerSpec });

const CUSTOM: Record<string, z.ZodType> = {
  'cert-manager.io/v1/Certificate': CertificateSchema,
  'cert-manager.io/v1/Issuer': IssuerSchema,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitorSchema,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRuleSchema,
  'kustomize.config.k8s.io/v1beta1/Kustomization': KustomizationSchema,
};

function zodErrors(schema: z.ZodType, doc: unknown): string[] {
  const r = schema.safeParse(doc);
  if (r.success) return [];
  return r.error.issues.map((i) => {
    const p = i.path.map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`)).join('').replace(/^\./, '');
    if (i.code === 'unrecognized_keys') return `${p === '' ? '' : `${p}.`}${i.keys.join(', ')}: unknown field`;
    return `${p}: ${i.message}`;
  });
}

/**
 * Validates one manifest. Returns a list of problems (empty when valid), each naming the field
 * path, e.g. `spec.template.spec.containers[0].imagePullPolcy: unknown field in V1Container`.
 */
export async function validateManifest(doc: unknown): Promise<string[]> {
  if (!isPlainObject(doc)) return ['manifest: expected a mapping'];
  const apiVersion = doc['apiVersion'];
  const kind = doc['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['manifest: apiVersion and kind must be strings'];
  const custom = CUSTOM[`${apiVersion}/${kind}`];
  if (custom !== undefined) return zodErrors(custom, doc);
  const errors: string[] = [];
  const expectedApi = API_VERSION_OF[kind];
  if (expectedApi !== undefined && expectedApi !== apiVersion) errors.push(`apiVersion: ${kind} is served as ${expectedApi} (got ${apiVersion})`);
  const model = modelFor(apiVersion, kind);
  try {
    await attributesOf(model);
  } catch {
    errors.push(`apiVersion: no Kubernetes API schema for ${apiVersion} ${kind}`);
    return errors;
  }
  await check(doc, model, '', '', errors);
  const md = doc['metadata'];
  if (!isPlainObject(md) || typeof md['name'] !== 'string' || md['name'] === '') errors.push('metadata.name: required');
  return errors;
}
