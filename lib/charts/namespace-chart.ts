import {
  CLUSTER_NAMESPACES as KUBERNETES_CLUSTER_NAMESPACES,
  PROVIDED_SECRETS_ANNOTATION,
} from '@stateful-todo/kube-conventions';
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { StackConfig } from '../config';
import {
  COMPONENT_LABEL,
  INSTANCE_LABEL,
  MANAGED_BY_LABEL,
  NAME_LABEL,
  PART_OF_LABEL,
  VERSION_LABEL,
} from '../kube/labels';
import { PropChecks, throwIfInvalid } from '../kube/prop-checks';

/**
 * Namespaces every cluster has; the stack never creates or labels them. The list is the validator's too; declared
 * here so that the published declarations name no workspace package (the library bundle inlines it).
 */
export const CLUSTER_NAMESPACES: readonly string[] = KUBERNETES_CLUSTER_NAMESPACES;

/** Props of a `NamespaceChart`: its namespace, and the stage whose labels its objects carry. */
export interface NamespaceChartProps {
  /** The stage's settings: its `stackName` and `stage` label every object. */
  readonly config: StackConfig;
  /** The namespace of every object of the chart. */
  readonly namespace: string;
  /** `app.kubernetes.io/version` of the Namespace: the version of what the namespace runs. */
  readonly version: string;
  /**
   * Whether this chart creates its namespace (first, labelled for the "restricted" Pod Security Standard).
   * @default - true unless the namespace is one every cluster has
   */
  readonly createNamespace?: boolean;
  /**
   * Secrets the cluster must provide in this namespace.
   * @default - none
   */
  readonly providedSecrets?: readonly string[];
}

/**
 * A chart that owns one namespace: every object in it is namespaced there and carries the stack's labels
 * (`part-of`, `managed-by`, and `instance`, which names the stack and stage for `kubectl apply --prune -l`).
 */
export class NamespaceChart extends Chart {
  /** The Namespace object; undefined when the chart does not create it. */
  public readonly namespaceObject?: ApiObject;
  /** Secrets the cluster provides in this namespace: deleting the namespace would delete them. */
  public readonly providedSecrets: readonly string[];

  constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    super(scope, id, { namespace: props.namespace, labels: stackLabels(props.config) });
    const checks = new PropChecks();
    checks.name('namespace', props.namespace, 'dnsLabel');
    (props.providedSecrets ?? []).forEach((name, index) =>
      checks.name(`providedSecrets[${index}]`, name, 'dnsSubdomain'),
    );
    throwIfInvalid(this, checks.problems);
    const create = props.createNamespace ?? !CLUSTER_NAMESPACES.includes(props.namespace);
    const provided = props.providedSecrets ?? [];
    this.providedSecrets = provided;
    if (create) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: props.namespace,
          labels: {
            [NAME_LABEL]: props.namespace,
            [COMPONENT_LABEL]: 'namespace',
            [VERSION_LABEL]: props.version,
            // Enforce, audit and warn at the level every pod of the stack is built to pass, pinned to the
            // Kubernetes version the stack targets so a cluster upgrade cannot tighten it unannounced.
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'v1.27',
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
          },
          annotations: provided.length > 0 ? { [PROVIDED_SECRETS_ANNOTATION]: provided.join(',') } : undefined,
        },
      });
      // A Namespace is cluster-scoped; the chart's namespace must not leak into its metadata.
      this.namespaceObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
  }
}

/** The labels every object of the stack carries. */
export function stackLabels(config: StackConfig): Record<string, string> {
  return {
    [PART_OF_LABEL]: config.stackName,
    [MANAGED_BY_LABEL]: 'cdk8s',
    [INSTANCE_LABEL]: `${config.stackName}-${config.stage}`,
  };
}
