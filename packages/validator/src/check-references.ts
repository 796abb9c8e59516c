import { CLUSTER_NAMESPACES, parseQuantity } from '@stateful-todo/kube-conventions';
import { Finding, objectFinding } from './finding';
import { isNamespaced, KubeObject, Manifest, PathSegment } from './manifest';
import { operatorPodLabels } from './operator-pods';
import { AddedLabels, containersOf, controllerLabels, PodTemplate, podTemplateOf, selectorMatches } from './pod-templates';
import { PROVIDED_SECRETS_ANNOTATION, RuleId } from './rules';

export interface ReferenceOptions {
  /** Namespaces that exist in the cluster, beyond those in the set and the cluster's own. */
  readonly existingNamespaces?: readonly string[];
  /** Secrets the cluster provides, as `namespace/name`. */
  readonly providedSecrets?: readonly string[];
}

// Workloads whose spec.selector must match their own pod template.
const SELECTING_WORKLOADS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'ReplicationController'];

/**
 * Checks what no single object shows: that the objects of a set refer to each other correctly. This is where
 * the tutorial's manifests break while each file is schema-valid on its own.
 */
export function checkReferences(manifests: readonly Manifest[], options: ReferenceOptions = {}): Finding[] {
  return new ReferenceIndex(manifests, options).check();
}

class ReferenceIndex {
  private readonly byKey = new Map<string, Manifest>();
  private readonly namespaces = new Set<string>(CLUSTER_NAMESPACES);
  private readonly providedSecrets = new Set<string>();
  private readonly pods: PodTemplate[] = [];
  private readonly podsByNamespace = new Map<string | undefined, PodTemplate[]>();
  /**
   * The labels of every pod the set makes: its pod templates' with those their controllers add, and those of the
   * pods operators create for it.
   */
  private readonly podLabelsByNamespace = new Map<string | undefined, PodLabels[]>();
  /** Namespaces that hold an object of the set, or are one: the only ones whose pods the set can tell. */
  private readonly namespacesInSet = new Set<string | undefined>();
  private readonly volumes: Manifest[] = [];
  private readonly findings: Finding[] = [];

  constructor(private readonly manifests: readonly Manifest[], options: ReferenceOptions) {
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
        this.findings.push(objectFinding('duplicate-object', manifest, ['metadata', 'name'],
          `${object.kind} '${object.metadata.name}' is defined twice; the first is at ${first.file}:${first.lineOf(['metadata', 'name'])}`));
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

  public check(): Finding[] {
    for (const manifest of this.manifests) {
      const { object } = manifest;
      this.checkNamespace(manifest);
      switch (object.kind) {
        case 'Service': this.checkService(manifest); break;
        case 'StatefulSet': this.checkStatefulSet(manifest); break;
        case 'Ingress': this.checkIngress(manifest); break;
        case 'PersistentVolumeClaim': this.checkClaimBinding(manifest); break;
        case 'HorizontalPodAutoscaler': this.checkScaleTarget(manifest); break;
        case 'PodDisruptionBudget': this.checkPodSelector(manifest, ['spec', 'selector'], 'PodDisruptionBudget selector'); break;
        case 'NetworkPolicy':
          this.checkPodSelector(manifest, ['spec', 'podSelector'], 'NetworkPolicy podSelector');
          this.checkNetworkPolicyPeers(manifest);
          break;
      }
    }
    for (const pod of this.pods) {
      this.checkWorkloadSelector(pod);
      this.checkPodReferences(pod);
    }
    return this.findings;
  }

  private key(group: string, kind: string, namespace: string | undefined, name: string | undefined): string {
    return `${group}/${kind}/${namespace ?? ''}/${name ?? ''}`;
  }

  /** The object of `kind` (in `group`: by default the built-in kind's, such as core for Service) named `name`. */
  private find(kind: string, namespace: string | undefined, name: unknown, group: string = BUILT_IN_GROUPS[kind] ?? ''): Manifest | undefined {
    return typeof name === 'string' ? this.byKey.get(this.key(group, kind, namespace, name)) : undefined;
  }

  private podsIn(namespace: string | undefined): PodTemplate[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  private podLabelsIn(namespace: string | undefined): PodLabels[] {
    return this.podLabelsByNamespace.get(namespace) ?? [];
  }

  private report(ruleId: RuleId, manifest: Manifest, path: PathSegment[], message: string): void {
    this.findings.push(objectFinding(ruleId, manifest, path, message));
  }

  private checkNamespace(manifest: Manifest): void {
    const namespace = manifest.object.metadata.namespace;
    if (isNamespaced(manifest.object.kind) && typeof namespace === 'string' && !this.namespaces.has(namespace)) {
      this.report('namespace-missing', manifest, ['metadata', 'namespace'],
        `namespace '${namespace}' is not in the set and not known to exist`);
    }
  }

  private checkService(manifest: Manifest): void {
    const { spec } = manifest.object;
    const namespace = namespaceOf(manifest.object);
    if (!spec || typeof spec !== 'object') {
      return;
    }
    if (spec.type === 'ExternalName') {
      const target = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?\.?$/.exec(String(spec.externalName ?? ''));
      if (target && !this.find('Service', target[2], target[1])) {
        this.report('externalname-target-missing', manifest, ['spec', 'externalName'],
          `externalName '${spec.externalName}' names Service '${target[1]}' in namespace '${target[2]}', which is not in the set`);
      }
      return;
    }
    if (!spec.selector || typeof spec.selector !== 'object' || Object.keys(spec.selector).length === 0) {
      return; // no selector: endpoints are managed by hand
    }
    const matched = this.podsIn(namespace).filter(pod => selectorMatches(spec.selector, pod.labels, controllerLabels(pod)));
    if (matched.length === 0) {
      this.report('service-selector-no-match', manifest, ['spec', 'selector'],
        `selector ${JSON.stringify(spec.selector)} matches no pod template in namespace '${namespace}'`);
      return;
    }
    const containers = matched.flatMap(pod => containersOf(pod).filter(c => !c.init).map(c => c.container));
    (Array.isArray(spec.ports) ? spec.ports : []).forEach((port: any, index: number) => {
      // Declaring containerPort is optional: a process listens on a number whether it is declared or not. Only a
      // name must be declared, or it resolves to nothing.
      const target = port?.targetPort;
      if (typeof target !== 'string') {
        return;
      }
      const exposed = containers.some(container => (Array.isArray(container.ports) ? container.ports : []).some((p: any) => p?.name === target));
      if (!exposed) {
        this.report('service-target-port', manifest, ['spec', 'ports', index, 'targetPort'],
          `targetPort ${JSON.stringify(target)} is not a port name of any container the selector matches`);
      }
    });
  }

  private checkStatefulSet(manifest: Manifest): void {
    const serviceName = manifest.object.spec?.serviceName;
    if (typeof serviceName !== 'string' || serviceName === '') {
      this.report('statefulset-service', manifest, ['spec'], 'StatefulSet has no serviceName');
      return;
    }
    const service = this.find('Service', namespaceOf(manifest.object), serviceName);
    if (!service) {
      this.report('statefulset-service', manifest, ['spec', 'serviceName'], `serviceName '${serviceName}' names no Service in namespace `
        + `'${namespaceOf(manifest.object)}' of the set: the pods get no stable DNS names unless that headless Service is made outside the set`);
    } else if (service.object.spec?.clusterIP !== 'None') {
      this.report('statefulset-service', manifest, ['spec', 'serviceName'], `serviceName '${serviceName}' names a Service that is not headless (clusterIP: None)`);
    }
  }

  private checkIngress(manifest: Manifest): void {
    const spec = manifest.object.spec ?? {};
    const namespace = namespaceOf(manifest.object);
    const annotations = manifest.object.metadata.annotations ?? {};
    // cert-manager's ingress-shim issues every tls[].secretName of an annotated Ingress.
    const issued = typeof annotations['cert-manager.io/cluster-issuer'] === 'string' || typeof annotations['cert-manager.io/issuer'] === 'string';
    const providedHere = new Set(String(annotations[PROVIDED_SECRETS_ANNOTATION] ?? '').split(',').map(n => n.trim()).filter(Boolean));
    (Array.isArray(spec.tls) ? spec.tls : []).forEach((tls: any, index: number) => {
      const name = tls?.secretName;
      if (typeof name !== 'string' || issued || providedHere.has(name) || this.providedSecrets.has(`${namespace}/${name}`) || this.find('Secret', namespace, name)) {
        return;
      }
      this.report('ingress-tls-secret-missing', manifest, ['spec', 'tls', index, 'secretName'],
        `TLS Secret '${name}' is not in namespace '${namespace}' of the set, not declared as provided, and not issued by cert-manager (no cert-manager.io/cluster-issuer annotation)`);
    });
    const backends: Array<{ backend: any; path: PathSegment[] }> = [];
    if (spec.defaultBackend) {
      backends.push({ backend: spec.defaultBackend, path: ['spec', 'defaultBackend'] });
    }
    (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule: any, r: number) => {
      (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((p: any, i: number) => {
        backends.push({ backend: p?.backend, path: ['spec', 'rules', r, 'http', 'paths', i, 'backend'] });
      });
    });
    for (const { backend, path } of backends) {
      const service = backend?.service;
      if (!service?.name) {
        continue;
      }
      const target = this.find('Service', namespaceOf(manifest.object), service.name);
      if (!target) {
        this.report('ingress-backend-missing', manifest, [...path, 'service', 'name'],
          `backend Service '${service.name}' is not in namespace '${namespaceOf(manifest.object)}'`);
        continue;
      }
      const ports: any[] = Array.isArray(target.object.spec?.ports) ? target.object.spec.ports : [];
      const wanted = service.port?.number ?? service.port?.name;
      if (wanted !== undefined && !ports.some(p => (typeof wanted === 'number' ? p?.port === wanted : p?.name === wanted))) {
        this.report('ingress-backend-port', manifest, [...path, 'service', 'port'],
          `Service '${service.name}' has no port ${JSON.stringify(wanted)}${ports.length === 0 ? ' (it declares no ports)' : ''}`);
      }
    }
  }

  private checkClaimBinding(claim: Manifest): void {
    const claimSpec = claim.object.spec ?? {};
    const namespace = namespaceOf(claim.object);
    const volume = (claimSpec.volumeName && this.find('PersistentVolume', undefined, claimSpec.volumeName))
      || this.volumes.find(m => m.object.spec?.claimRef?.name === claim.object.metadata.name
        && (m.object.spec?.claimRef?.namespace ?? 'default') === namespace);
    if (!volume) {
      this.checkUnnamedBinding(claim);
      return;
    }
    const problems = this.bindingProblems(claimSpec, volume);
    if (problems.length > 0) {
      this.report('pv-pvc-mismatch', claim, ['spec'], `cannot bind to PersistentVolume '${volume.object.metadata.name}' (${volume.file}:${volume.lineOf(['spec'])}): ${problems.join('; ')}`);
    }
  }

  /**
   * A claim and a volume meant for each other though neither names the other: the claim's selector matches the
   * volume, they share a label, or their names differ only by a -pv/-pvc/-volume/-claim suffix. The PV controller
   * binds a claim to any free volume of its class that satisfies it; when none of the volumes meant for it does, the
   * claim stays Pending.
   */
  private checkUnnamedBinding(claim: Manifest): void {
    const claimSpec = claim.object.spec ?? {};
    if (claimSpec.volumeName) {
      return;
    }
    const meant = this.volumes.filter(volume => !volume.object.spec?.claimRef && isMeantFor(claim, volume));
    if (meant.length === 0) {
      return;
    }
    const verdicts = meant.map(volume => ({ volume, problems: this.bindingProblems(claimSpec, volume) }));
    if (verdicts.some(verdict => verdict.problems.length === 0)) {
      return;
    }
    const { volume, problems } = verdicts[0];
    this.report('pv-pvc-mismatch', claim, ['spec'], `cannot bind to PersistentVolume '${volume.object.metadata.name}' `
      + `(${volume.file}:${volume.lineOf(['spec'])}), which it is meant for: ${problems.join('; ')}`);
  }

  private bindingProblems(claimSpec: any, volume: Manifest): string[] {
    const pv = volume.object.spec ?? {};
    const problems: string[] = [];
    const missingModes = (claimSpec.accessModes ?? []).filter((mode: string) => !(pv.accessModes ?? []).includes(mode));
    if (missingModes.length > 0) {
      problems.push(`access modes ${JSON.stringify(claimSpec.accessModes)} are not all offered by the volume's ${JSON.stringify(pv.accessModes ?? [])}`);
    }
    if (claimSpec.storageClassName === undefined && !pv.storageClassName) {
      problems.push("the claim has no storageClassName, so the cluster's default storage class is set on it when it is "
        + "created, and it will not bind a volume without a class: set storageClassName: \"\" on the claim (no class)");
    } else if (claimSpec.storageClassName !== undefined && (claimSpec.storageClassName ?? '') !== (pv.storageClassName ?? '')) {
      problems.push(`storage class '${claimSpec.storageClassName}' differs from the volume's '${pv.storageClassName ?? ''}'`);
    }
    if ((claimSpec.volumeMode ?? 'Filesystem') !== (pv.volumeMode ?? 'Filesystem')) {
      problems.push(`volume mode ${claimSpec.volumeMode ?? 'Filesystem'} differs from the volume's ${pv.volumeMode ?? 'Filesystem'}`);
    }
    const requested = parseQuantity(String(claimSpec.resources?.requests?.storage ?? ''));
    const capacity = parseQuantity(String(pv.capacity?.storage ?? ''));
    if (requested !== undefined && capacity !== undefined && capacity < requested) {
      problems.push(`the claim requests ${claimSpec.resources.requests.storage} but the volume holds ${pv.capacity.storage}`);
    }
    return problems;
  }

  private checkScaleTarget(manifest: Manifest): void {
    const ref = manifest.object.spec?.scaleTargetRef;
    if (!ref?.kind || !ref?.name) {
      return;
    }
    // Looked up as the built-in kind, so that a wrong apiVersion is reported as such below.
    const target = this.find(ref.kind, namespaceOf(manifest.object), ref.name);
    if (!target) {
      this.report('target-no-match', manifest, ['spec', 'scaleTargetRef'], `scaleTargetRef ${ref.kind} '${ref.name}' is not in namespace '${namespaceOf(manifest.object)}'`);
    } else if (ref.apiVersion && ref.apiVersion !== target.object.apiVersion) {
      this.report('scale-target-mismatch', manifest, ['spec', 'scaleTargetRef', 'apiVersion'], `scaleTargetRef apiVersion '${ref.apiVersion}' does not match the ${ref.kind}'s '${target.object.apiVersion}'`);
    }
  }

  private checkPodSelector(manifest: Manifest, path: PathSegment[], what: string): void {
    const selector = path.reduce<any>((node, key) => node?.[key], manifest.object);
    const empty = !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
    if (empty) {
      return; // an empty selector selects every pod of the namespace, by design
    }
    if (!this.podLabelsIn(namespaceOf(manifest.object)).some(pod => selectorMatches(selector, pod.labels, pod.added))) {
      this.report('target-no-match', manifest, path, `${what} ${JSON.stringify(selector)} matches no pod template in namespace '${namespaceOf(manifest.object)}'`);
    }
  }

  private checkWorkloadSelector(pod: PodTemplate): void {
    const { object } = pod.manifest;
    if (!SELECTING_WORKLOADS.includes(object.kind) || !object.spec?.selector) {
      return;
    }
    if (!selectorMatches(object.spec.selector, pod.labels)) {
      this.report('selector-template-mismatch', pod.manifest, ['spec', 'selector'],
        `selector ${JSON.stringify(object.spec.selector)} does not match the pod template's labels ${JSON.stringify(pod.labels)}`);
    }
  }

  /**
   * Each `from`/`to` peer whose podSelector matches no pod of the set in the namespace it selects: its own, or the
   * one a `kubernetes.io/metadata.name` namespaceSelector names, when the set holds that namespace (other namespace
   * selectors, and namespaces the set holds nothing of, such as an operator's, cannot be resolved here).
   */
  private checkNetworkPolicyPeers(manifest: Manifest): void {
    const spec = manifest.object.spec ?? {};
    const own = namespaceOf(manifest.object);
    for (const [direction, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
      (Array.isArray(spec[direction]) ? spec[direction] : []).forEach((rule: any, r: number) => {
        (Array.isArray(rule?.[peersKey]) ? rule[peersKey] : []).forEach((peer: any, p: number) => {
          const selector = peer?.podSelector;
          if (!selector || typeof selector !== 'object'
            || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
            return;
          }
          const namespaceSelector = peer.namespaceSelector;
          let namespace: string | undefined = own;
          if (namespaceSelector !== undefined) {
            const named = namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
            if (typeof named !== 'string' || (namespaceSelector.matchExpressions ?? []).length > 0) {
              return;
            }
            namespace = named;
          }
          // The pods of a namespace the set holds nothing of (an operator's) are not the set's to judge.
          if (namespace !== own && !this.namespacesInSet.has(namespace)) {
            return;
          }
          if (!this.podLabelsIn(namespace).some(pod => selectorMatches(selector, pod.labels, pod.added))) {
            this.report('network-policy-peer-no-match', manifest, ['spec', direction, r, peersKey, p, 'podSelector'],
              `${peersKey} podSelector ${JSON.stringify(selector)} matches no pod template in namespace '${namespace}'`);
          }
        });
      });
    }
  }

  private checkPodReferences(pod: PodTemplate): void {
    const namespace = namespaceOf(pod.manifest.object);
    const spec = pod.spec;
    const serviceAccount = spec.serviceAccountName ?? spec.serviceAccount;
    if (typeof serviceAccount === 'string' && serviceAccount !== 'default' && !this.find('ServiceAccount', namespace, serviceAccount)) {
      this.report('service-account-missing', pod.manifest, [...pod.specPath, spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount'],
        `ServiceAccount '${serviceAccount}' is not in namespace '${namespace}'`);
    }
    (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []).forEach((ref: any, i: number) => {
      const name = ref?.name;
      if (typeof name === 'string' && !this.providedSecrets.has(`${namespace}/${name}`) && !this.find('Secret', namespace, name)) {
        this.report('image-pull-secret-missing', pod.manifest, [...pod.specPath, 'imagePullSecrets', i, 'name'],
          `image pull Secret '${name}' is not in namespace '${namespace}' (nor declared as provided by the cluster)`);
      }
    });
    const priorityClass = spec.priorityClassName;
    if (typeof priorityClass === 'string' && !BUILT_IN_PRIORITY_CLASSES.includes(priorityClass)
      && !this.find('PriorityClass', undefined, priorityClass)) {
      this.report('priority-class-missing', pod.manifest, [...pod.specPath, 'priorityClassName'],
        `PriorityClass '${priorityClass}' is not in the set (nor one of ${BUILT_IN_PRIORITY_CLASSES.map(c => `'${c}'`).join(', ')})`);
    }
    for (const { container, path } of containersOf(pod)) {
      const seen = new Set<string>();
      (Array.isArray(container.env) ? container.env : []).forEach((env: any, i: number) => {
        if (typeof env?.name === 'string') {
          if (seen.has(env.name)) {
            this.report('duplicate-env', pod.manifest, [...path, 'env', i, 'name'],
              `environment variable '${env.name}' is set twice in container '${container.name}'; the later one silently wins`);
          }
          seen.add(env.name);
        }
      });
      const ports = Array.isArray(container.ports) ? container.ports : [];
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        for (const handler of ['httpGet', 'tcpSocket', 'grpc'] as const) {
          const target = container[probe]?.[handler]?.port;
          const port = ports.find((p: any) => (typeof target === 'string' ? p?.name === target : p?.containerPort === target));
          if (target !== undefined && port?.protocol === 'UDP') {
            this.report('probe-udp-port', pod.manifest, [...path, probe, handler, 'port'],
              `${probe} ${handler} targets port ${JSON.stringify(target)}, which the container declares as UDP; a ${handler} probe speaks TCP and never succeeds`);
          }
        }
      }
    }
    // A missing object is reported once per pod, at its first reference.
    const reportedMissing = new Set<string>();
    const check = (kind: 'Secret' | 'ConfigMap', name: unknown, key: unknown, optional: unknown, path: PathSegment[]) => {
      if (optional === true || typeof name !== 'string') {
        return;
      }
      if (kind === 'Secret' && this.providedSecrets.has(`${namespace}/${name}`)) {
        return;
      }
      const target = this.find(kind, namespace, name);
      if (!target) {
        if (!reportedMissing.has(`${kind}/${name}`)) {
          reportedMissing.add(`${kind}/${name}`);
          this.report('config-reference-missing', pod.manifest, path, `${kind} '${name}' is not in namespace '${namespace}' of the set: `
            + 'the pod waits until something outside the set makes it (a Job, an init container, an operator, a person); '
            + (kind === 'Secret'
              ? `if the cluster provides it, declare it: annotate Namespace '${namespace}' with ${PROVIDED_SECRETS_ANNOTATION}: "${name}", or pass --provided-secret ${namespace}/${name}`
              : `if it is made at run time, say so on this ${pod.manifest.object.kind}: skip.validator.todo-stack/config-reference-missing: "made by …"`));
        }
      } else if (typeof key === 'string' && !keysOf(target.object).includes(key)) {
        this.report('config-key-missing', pod.manifest, path, `${kind} '${name}' has no key '${key}' (it has ${keysOf(target.object).map(k => `'${k}'`).join(', ') || 'no keys'})`);
      }
    };
    for (const { container, path } of containersOf(pod)) {
      (Array.isArray(container.env) ? container.env : []).forEach((env: any, i: number) => {
        const from = env?.valueFrom;
        if (from?.secretKeyRef) {
          check('Secret', from.secretKeyRef.name, from.secretKeyRef.key, from.secretKeyRef.optional, [...path, 'env', i, 'valueFrom', 'secretKeyRef']);
        }
        if (from?.configMapKeyRef) {
          check('ConfigMap', from.configMapKeyRef.name, from.configMapKeyRef.key, from.configMapKeyRef.optional, [...path, 'env', i, 'valueFrom', 'configMapKeyRef']);
        }
      });
      (Array.isArray(container.envFrom) ? container.envFrom : []).forEach((source: any, i: number) => {
        if (source?.secretRef) {
          check('Secret', source.secretRef.name, undefined, source.secretRef.optional, [...path, 'envFrom', i, 'secretRef']);
        }
        if (source?.configMapRef) {
          check('ConfigMap', source.configMapRef.name, undefined, source.configMapRef.optional, [...path, 'envFrom', i, 'configMapRef']);
        }
      });
    }
    // The StatefulSet controller replaces a pod volume named like a claim template with that pod's own claim.
    const claimTemplates = new Set<unknown>(pod.manifest.object.kind === 'StatefulSet' && Array.isArray(pod.manifest.object.spec?.volumeClaimTemplates)
      ? pod.manifest.object.spec.volumeClaimTemplates.map((t: any) => t?.metadata?.name) : []);
    (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []).forEach((volume: any, i: number) => {
      const at = [...pod.specPath, 'volumes', i];
      const items = (source: any) => (Array.isArray(source?.items) ? source.items.map((item: any) => item?.key) : [undefined]);
      if (volume?.secret) {
        items(volume.secret).forEach((key: unknown) => check('Secret', volume.secret.secretName, key, volume.secret.optional, [...at, 'secret']));
      }
      if (volume?.configMap) {
        items(volume.configMap).forEach((key: unknown) => check('ConfigMap', volume.configMap.name, key, volume.configMap.optional, [...at, 'configMap']));
      }
      (Array.isArray(volume?.projected?.sources) ? volume.projected.sources : []).forEach((source: any, s: number) => {
        if (source?.secret) {
          items(source.secret).forEach((key: unknown) => check('Secret', source.secret.name, key, source.secret.optional, [...at, 'projected', 'sources', s, 'secret']));
        }
        if (source?.configMap) {
          items(source.configMap).forEach((key: unknown) => check('ConfigMap', source.configMap.name, key, source.configMap.optional, [...at, 'projected', 'sources', s, 'configMap']));
        }
      });
      const claimName = volume?.persistentVolumeClaim?.claimName;
      if (typeof claimName === 'string' && !claimTemplates.has(volume?.name) && !this.find('PersistentVolumeClaim', namespace, claimName)) {
        this.report('pvc-missing', pod.manifest, [...at, 'persistentVolumeClaim', 'claimName'], `PersistentVolumeClaim '${claimName}' is not in namespace '${namespace}'`);
      }
    });
  }
}

/** Whether `claim` is evidently meant for `volume` (see checkUnnamedBinding). */
function isMeantFor(claim: Manifest, volume: Manifest): boolean {
  const selector = claim.object.spec?.selector;
  const volumeLabels: Record<string, string> = volume.object.metadata.labels ?? {};
  if (selector && typeof selector === 'object') {
    return selectorMatches(selector, volumeLabels);
  }
  const claimLabels: Record<string, string> = claim.object.metadata.labels ?? {};
  if (Object.entries(claimLabels).some(([key, value]) => volumeLabels[key] === value)) {
    return true;
  }
  const stem = (name: unknown) => String(name ?? '').replace(/-(pvc|pv|volume|claim|vol)$/, '');
  return stem(claim.object.metadata.name) !== '' && stem(claim.object.metadata.name) === stem(volume.object.metadata.name);
}

/** The namespace an object lands in: its own, or `default` as kubectl would choose without a context namespace. */
function namespaceOf(object: KubeObject): string | undefined {
  if (!isNamespaced(object.kind)) {
    return undefined;
  }
  return typeof object.metadata.namespace === 'string' ? object.metadata.namespace : 'default';
}

function keysOf(object: KubeObject): string[] {
  return [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {}), ...Object.keys(object.binaryData ?? {})];
}

// The groups of the built-in kinds that objects reference by kind and name alone (a Pod's Secret is a core Secret,
// never a custom resource of the same kind).
const BUILT_IN_GROUPS: Readonly<Record<string, string>> = {
  Deployment: 'apps', StatefulSet: 'apps', ReplicaSet: 'apps', DaemonSet: 'apps', PriorityClass: 'scheduling.k8s.io',
};

// Every cluster has these (the scheduling API server creates them).
const BUILT_IN_PRIORITY_CLASSES: readonly string[] = ['system-cluster-critical', 'system-node-critical'];

/** The API group of an apiVersion: `apps` of `apps/v1`, '' (core) of `v1`. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The labels of a pod the set makes, and those its controller adds (see controllerLabels). */
interface PodLabels {
  readonly labels: Record<string, string>;
  readonly added: AddedLabels;
}
