// A small kustomize build, enough for our base and overlays, so the tests can validate what an
// overlay really produces without kubectl: resources (files and directories with their own
// kustomization.yaml), namespace, images, and patches of two kinds — JSON 6902 operations with a
// target (add, replace, remove), and strategic-merge `$patch: delete` of one resource. Anything
// else in a kustomization throws, so a new feature in an overlay must be taught here first.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load, loadAll } from 'js-yaml';

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches']);

function readDocs(file: string): Doc[] {
  return (loadAll(readFileSync(file, 'utf8')) as unknown[]).filter((d) => d !== null && d !== undefined) as Doc[];
}

/** A JSON pointer's parent container and last key; throws when the parent does not exist. */
function locate(doc: Doc, path: string): { parent: any; key: string } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const parts = path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (parts.length === 0) throw new Error(`patch path ${path}: the root cannot be patched`);
  let cur: any = doc; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : cur?.[p];
    if (cur === undefined || cur === null || typeof cur !== 'object') throw new Error(`patch path ${path}: ${p} does not exist`);
  }
  return { parent: cur, key: parts[parts.length - 1]! };
}

export function applyJsonPatch(doc: Doc, ops: readonly Doc[]): void {
  for (const op of ops) {
    const { parent, key } = locate(doc, op['path']);
    const isArray = Array.isArray(parent);
    const has = isArray ? key === '-' || Number(key) < parent.length : key in parent;
    switch (op['op']) {
      case 'add':
        if (isArray) parent.splice(key === '-' ? parent.length : Number(key), 0, structuredClone(op['value']));
        else parent[key] = structuredClone(op['value']);
        break;
      case 'replace':
        if (!has) throw new Error(`patch replace ${op['path']}: nothing there to replace`);
        parent[key] = structuredClone(op['value']);
        break;
      case 'remove':
        if (!has) throw new Error(`patch remove ${op['path']}: nothing there to remove`);
        if (isArray) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      default:
        throw new Error(`patch op ${String(op['op'])} is not supported here`);
    }
  }
}

function setImage(container: Doc, images: readonly Doc[]): void {
  const image = String(container['image']);
  const at = image.lastIndexOf(':');
  const [name, tag] = at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
  const rule = images.find((i) => i['name'] === name);
  if (rule === undefined) return;
  const newTag = rule['newTag'] ?? tag;
  container['image'] = `${rule['newName'] ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
}

/** The manifests `kubectl kustomize dir` would produce (in resource order). */
export function kustomizeBuild(dir: string): Doc[] {
  const k = load(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Doc;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: ${key} is not supported by this build`);
  let out: Doc[] = [];
  for (const r of (k['resources'] as string[] | undefined) ?? []) {
    const p = resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${dir}/kustomization.yaml: resource ${r} does not exist`);
    out.push(...(statSync(p).isDirectory() ? kustomizeBuild(p) : readDocs(p)));
  }
  for (const patch of (k['patches'] as Doc[] | undefined) ?? []) {
    if (patch['path'] !== undefined) throw new Error(`${dir}: patches from files are not supported by this build`);
    const body = load(String(patch['patch'])) as unknown;
    if (patch['target'] !== undefined) {
      const t = patch['target'] as Record<string, string>;
      const hits = out.filter((d) => d['kind'] === t['kind'] && (t['name'] === undefined || d['metadata']?.['name'] === t['name']));
      if (hits.length === 0) throw new Error(`${dir}: patch target ${JSON.stringify(t)} matches no resource`);
      if (!Array.isArray(body)) throw new Error(`${dir}: a targeted patch must be a JSON 6902 list of operations`);
      for (const d of hits) applyJsonPatch(d, body as Doc[]);
    } else {
      const smp = body as Doc;
      if (smp['$patch'] !== 'delete') throw new Error(`${dir}: only "$patch: delete" strategic-merge patches are supported by this build`);
      const before = out.length;
      out = out.filter((d) => !(d['kind'] === smp['kind'] && d['apiVersion'] === smp['apiVersion'] && d['metadata']?.['name'] === smp['metadata']?.['name']));
      if (out.length === before) throw new Error(`${dir}: $patch: delete of ${smp['kind']}/${smp['metadata']?.['name']} matches no resource`);
    }
  }
  const images = (k['images'] as Doc[] | undefined) ?? [];
  for (const d of out) {
    const pod = d['kind'] === 'StatefulSet' || d['kind'] === 'Deployment' ? d['spec']?.['template']?.['spec'] : undefined;
    for (const c of [...(pod?.['containers'] ?? []), ...(pod?.['initContainers'] ?? [])] as Doc[]) setImage(c, images);
    if (k['namespace'] !== undefined) d['metadata'] = { ...d['metadata'], namespace: k['namespace'] };
  }
  return out;
}
