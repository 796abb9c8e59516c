import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

export const NAME_LABEL = 'app.kubernetes.io/name';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const VERSION_LABEL = 'app.kubernetes.io/version';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/**
 * The identity of one component of the stack, from which its recommended labels and its selector are derived.
 * `part-of`, `managed-by` and `instance` come from the chart's labels, so every object of a chart shares them:
 * `instance` names the stack and stage (what `kubectl apply --prune -l` selects), not one construct.
 */
export interface ComponentLabels {
  /**
   * `app.kubernetes.io/name`. For a workload the stack runs itself, the name of the construct that owns the pods
   * (`postgres`, `stateful-flask`): the one label of its selector that tells two constructs of one kind in a
   * namespace apart. It is the name of their workload, which the API server already keeps unique per kind and
   * namespace.
   */
  readonly name: string;
  /** `app.kubernetes.io/component`, e.g. `database`. */
  readonly component: string;
  /**
   * `app.kubernetes.io/version`, e.g. the image tag.
   * @default - no version label
   */
  readonly version?: string;
}

/**
 * Labels that select the pods of one component: stable for its whole life (a workload's selector is immutable),
 * so they never include the version.
 */
export function selectorLabels(scope: IConstruct, identity: ComponentLabels): Record<string, string> {
  const instance = Chart.of(scope).labels[INSTANCE_LABEL];
  return {
    [NAME_LABEL]: identity.name,
    ...(instance ? { [INSTANCE_LABEL]: instance } : {}),
    [COMPONENT_LABEL]: identity.component,
  };
}

/**
 * All six recommended labels of a component: its own name, component and version, and the chart's part-of,
 * managed-by and instance. Pod templates carry them too, so that pods are as identifiable as their owners.
 */
export function componentLabels(scope: IConstruct, identity: ComponentLabels): Record<string, string> {
  return {
    ...Chart.of(scope).labels,
    ...selectorLabels(scope, identity),
    ...(identity.version !== undefined ? { [VERSION_LABEL]: toLabelValue(identity.version) } : {}),
  };
}

/** Adds `labels` to every API object under `scope`. */
export function labelAllObjects(scope: IConstruct, labels: Record<string, string>): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof ApiObject) {
      for (const [key, value] of Object.entries(labels)) {
        child.metadata.addLabel(key, value);
      }
    }
  }
}

// A label value is at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric; digests are longer.
function toLabelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
