import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';

import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';

import { checkFluxDuration, fluxDuration } from './flux-duration';
import { FluxGitRepository } from './flux-git-repository';

/** Props of a `FluxKustomization`: its name, the source folder it applies, what it waits for and how long. */
export interface FluxKustomizationProps {
  /** Name of the Kustomization. */
  readonly name: string;
  /** The source to read. */
  readonly source: FluxGitRepository;
  /** Folder of the source to apply, starting with `./`. */
  readonly path: string;
  /**
   * Kustomizations (in the same namespace) that must be ready first.
   * @default - none
   */
  readonly dependsOn?: readonly string[];
  /**
   * How long to wait for every object to be ready (the migration Job to complete, the pods to be ready).
   * @default FLUX_KUSTOMIZATION_DEFAULTS.timeout
   */
  readonly timeout?: Duration;
}

/** The defaults of a FluxKustomization. */
export const FLUX_KUSTOMIZATION_DEFAULTS = {
  timeout: Duration.minutes(10),
} as const;

/** `FluxKustomizationProps` (but its source) with every default applied. */
export type ResolvedFluxKustomizationProps = Required<Omit<FluxKustomizationProps, 'source'>>;

/**
 * A Flux Kustomization for one stage folder: pruning, and `wait`, so that it turns Ready only once every object
 * is ready, which includes the migration Job having completed. Flux applies namespaces first; the init containers
 * that wait for the database order the rest.
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/
 */
export class FluxKustomization extends Construct {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: Omit<FluxKustomizationProps, 'source'>): PropProblem[] {
    return checkResolved(FluxKustomization.resolve(props));
  }

  /** `props` with `FLUX_KUSTOMIZATION_DEFAULTS` applied, and no Kustomization to wait for unless named. */
  public static resolve(props: Omit<FluxKustomizationProps, 'source'>): ResolvedFluxKustomizationProps {
    return {
      name: props.name,
      path: props.path,
      dependsOn: props.dependsOn ?? [],
      timeout: props.timeout ?? FLUX_KUSTOMIZATION_DEFAULTS.timeout,
    };
  }

  /** How long Flux waits for every object to be ready. */
  public readonly timeout: Duration;
  /** The Kustomization (`kustomize.toolkit.fluxcd.io/v1`). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, unresolved: FluxKustomizationProps) {
    super(scope, id);
    const props = FluxKustomization.resolve(unresolved);
    throwIfInvalid(this, checkResolved(props));
    this.timeout = props.timeout;
    const dependsOn = props.dependsOn;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: props.name },
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: fluxDuration(this.timeout),
        sourceRef: { kind: 'GitRepository', name: unresolved.source.name },
        path: props.path,
        prune: true,
        wait: true,
        dependsOn: dependsOn.length > 0 ? dependsOn.map(name => ({ name })) : undefined,
      },
    });
  }
}

function checkResolved(props: ResolvedFluxKustomizationProps): PropProblem[] {
  const checks = new PropChecks();
  checks.name('name', props.name, 'dnsSubdomain');
  checks.repositoryPath('path', props.path, './', './dist/prod');
  if (!Array.isArray(props.dependsOn)) {
    checks.add('dependsOn', props.dependsOn, "must be a list of Flux Kustomization names, such as ['infrastructure']");
  } else {
    props.dependsOn.forEach((name, index) => checks.name(`dependsOn[${index}]`, name, 'dnsSubdomain'));
  }
  checkFluxDuration(checks, 'timeout', props.timeout);
  return checks.problems;
}
