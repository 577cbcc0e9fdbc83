// A container's environment as Kubernetes gives it to one pod of a StatefulSet: literal values,
// the downward-API fields the manifests use (metadata.name, metadata.namespace), and `$(VAR)`
// references expanded as the kubelet expands them — only variables defined EARLIER in the list
// count, `$$` is a literal `$`, and an unknown reference stays as written.

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

export function expandK8sValue(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    const v = defined.get(name!);
    return v === undefined ? whole : v;
  });
}

export function podEnvironment(env: readonly EnvVar[], pod: { name: string; namespace: string }): Record<string, string> {
  const defined = new Map<string, string>();
  for (const e of env) {
    let v: string;
    if (e.value !== undefined) v = expandK8sValue(e.value, defined);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') v = pod.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') v = pod.namespace;
    else throw new Error(`env ${e.name}: this test does not know how Kubernetes fills ${JSON.stringify(e.valueFrom)}`);
    defined.set(e.name, v);
  }
  return Object.fromEntries(defined);
}
