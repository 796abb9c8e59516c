import { CLUSTER_NAMESPACES } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from '../finding';
import { groupOf, isNamespaced, KubeObject, Manifest, PathSegment } from '../manifest';
import { operatorPodLabels } from '../operator-pods';
import { AddedLabels, controllerLabels, PodTemplate, podTemplateOf } from '../pod-templates';
import { PROVIDED_SECRETS_ANNOTATION, RuleId } from '../rules';

export interface ReferenceOptions {
  /** Namespaces that exist in the cluster, beyond those in the set and the cluster's own. */
  readonly existingNamespaces?: readonly string[];
  /** Secrets the cluster provides, as `namespace/name`. */
  readonly providedSecrets?: readonly string[];
}

/** How a reference check reports a finding about a field of an object. */
export type Report = (ruleId: RuleId, manifest: Manifest, path: PathSegment[], message: string) => void;

/** The labels of a pod the set makes, and those its controller adds (see controllerLabels). */
export interface PodLabels {
  readonly labels: Record<string, string>;
  readonly added: AddedLabels;
}

/**
 * What a set holds, indexed once for every reference check: its objects by kind, namespace and name, the namespaces
 * and Secrets that exist, and the pods it makes. Indexing finds the objects defined twice (`duplicates`).
 */
export class ReferenceIndex {
  public readonly pods: PodTemplate[] = [];
  public readonly volumes: Manifest[] = [];
  /** A finding for each object that a document earlier in the set already defines. */
  public readonly duplicates: Finding[] = [];
  private readonly byKey = new Map<string, Manifest>();
  private readonly namespaces = new Set<string>(CLUSTER_NAMESPACES);
  private readonly providedSecrets = new Set<string>();
  private readonly podsByNamespace = new Map<string | undefined, PodTemplate[]>();
  /**
   * The labels of every pod the set makes: its pod templates' with those their controllers add, and those of the
   * pods operators create for it.
   */
  private readonly podLabelsByNamespace = new Map<string | undefined, PodLabels[]>();
  /** Namespaces that hold an object of the set, or are one: the only ones whose pods the set can tell. */
  private readonly namespacesInSet = new Set<string | undefined>();

  constructor(manifests: readonly Manifest[], options: ReferenceOptions) {
    (options.existingNamespaces ?? []).forEach(ns => this.namespaces.add(ns));
    (options.providedSecrets ?? []).forEach(ref => this.providedSecrets.add(ref));
    for (const manifest of manifests) {
      const { object } = manifest;
      if (object.kind === 'Namespace' && object.metadata.name) {
        this.namespaces.add(object.metadata.name);
        const provided = object.metadata.annotations?.[PROVIDED_SECRETS_ANNOTATION];
        for (const name of typeof provided === 'string' ? provided.split(',') : []) {
          if (name.trim()) {
            this.providedSecrets.add(`${object.metadata.name}/${name.trim()}`);
          }
        }
      }
      // The API group, not the version: one object served in two versions of its group is still one object.
      const key = this.key(groupOf(object.apiVersion), object.kind, namespaceOf(object), object.metadata.name);
      const first = this.byKey.get(key);
      if (first && object.metadata.name) {
        this.duplicates.push(
          objectFinding(
            'duplicate-object',
            manifest,
            ['metadata', 'name'],
            `${object.kind} '${object.metadata.name}' is defined twice; the first is at ${first.file}:${first.lineOf(['metadata', 'name'])}`,
          ),
        );
      } else {
        this.byKey.set(key, manifest);
      }
      const namespace = namespaceOf(object);
      this.namespacesInSet.add(object.kind === 'Namespace' ? object.metadata.name : namespace);
      const pod = podTemplateOf(manifest);
      if (pod) {
        this.pods.push(pod);
        const inNamespace = this.podsByNamespace.get(namespace) ?? [];
        inNamespace.push(pod);
        this.podsByNamespace.set(namespace, inNamespace);
      }
      const labels: PodLabels[] = [
        ...(pod ? [{ labels: pod.labels, added: controllerLabels(pod) }] : []),
        ...operatorPodLabels(manifest).map(operatorLabels => ({ labels: operatorLabels, added: {} })),
      ];
      if (labels.length > 0) {
        this.podLabelsByNamespace.set(namespace, [...(this.podLabelsByNamespace.get(namespace) ?? []), ...labels]);
      }
      if (object.kind === 'PersistentVolume') {
        this.volumes.push(manifest);
      }
    }
  }

  /** The object of `kind` (in `group`: by default the built-in kind's, such as core for Service) named `name`. */
  public find(
    kind: string,
    namespace: string | undefined,
    name: unknown,
    group: string = BUILT_IN_GROUPS[kind] ?? '',
  ): Manifest | undefined {
    return typeof name === 'string' ? this.byKey.get(this.key(group, kind, namespace, name)) : undefined;
  }

  public podsIn(namespace: string | undefined): PodTemplate[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  public podLabelsIn(namespace: string | undefined): PodLabels[] {
    return this.podLabelsByNamespace.get(namespace) ?? [];
  }

  /** Whether the namespace is in the set, is one every cluster has, or is known to exist. */
  public namespaceExists(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** Whether the set holds an object in `namespace`, or that Namespace itself. */
  public holdsNamespace(namespace: string | undefined): boolean {
    return this.namespacesInSet.has(namespace);
  }

  /** Whether the cluster provides the Secret (a Namespace's annotation, or `--provided-secret`). */
  public isProvidedSecret(namespace: string | undefined, name: string): boolean {
    return this.providedSecrets.has(`${namespace}/${name}`);
  }

  private key(group: string, kind: string, namespace: string | undefined, name: string | undefined): string {
    return `${group}/${kind}/${namespace ?? ''}/${name ?? ''}`;
  }
}

/** The namespace an object lands in: its own, or `default` as kubectl would choose without a context namespace. */
export function namespaceOf(object: KubeObject): string | undefined {
  if (!isNamespaced(object.kind)) {
    return undefined;
  }
  return typeof object.metadata.namespace === 'string' ? object.metadata.namespace : 'default';
}

// The groups of the built-in kinds that objects reference by kind and name alone (a Pod's Secret is a core Secret,
// never a custom resource of the same kind).
const BUILT_IN_GROUPS: Readonly<Record<string, string>> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  ReplicaSet: 'apps',
  DaemonSet: 'apps',
  PriorityClass: 'scheduling.k8s.io',
};
