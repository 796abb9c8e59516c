import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The namespace of the chart that holds `scope`. The stack's constructs derive DNS names and NetworkPolicy
 * peers from it, so a chart without one is a programming error.
 */
export function requireNamespace(scope: IConstruct): string {
  const namespace = Chart.of(scope).namespace;
  if (!namespace) {
    throw new Error(
      `${scope.node.path}: must be created in a Chart with a 'namespace'; ` +
        'the stack derives DNS names and NetworkPolicies from it',
    );
  }
  return namespace;
}
