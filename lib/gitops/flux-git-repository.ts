import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';

import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';

import { checkFluxDuration, fluxDuration } from './flux-duration';

/** Props of a `FluxGitRepository`: its name, the repository and branch, and how often Flux fetches it. */
export interface FluxGitRepositoryProps {
  /** Name of the GitRepository, which a Kustomization's `sourceRef` names. */
  readonly name: string;
  /** Git repository URL. */
  readonly url: string;
  /** The branch Flux follows. */
  readonly branch: string;
  /**
   * How often Flux fetches the repository.
   * @default FLUX_GIT_REPOSITORY_DEFAULTS.interval
   */
  readonly interval?: Duration;
}

/** The defaults of a FluxGitRepository. */
export const FLUX_GIT_REPOSITORY_DEFAULTS = {
  interval: Duration.minutes(5),
} as const;

/** `FluxGitRepositoryProps` with every default applied. */
export type ResolvedFluxGitRepositoryProps = Required<FluxGitRepositoryProps>;

/**
 * The Flux source the stage's Kustomization reads.
 * @see https://fluxcd.io/flux/components/source/gitrepositories/
 */
export class FluxGitRepository extends Construct {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: FluxGitRepositoryProps): PropProblem[] {
    return checkResolved(FluxGitRepository.resolve(props));
  }

  /** `props` with `FLUX_GIT_REPOSITORY_DEFAULTS` applied. */
  public static resolve(props: FluxGitRepositoryProps): ResolvedFluxGitRepositoryProps {
    return { ...props, interval: props.interval ?? FLUX_GIT_REPOSITORY_DEFAULTS.interval };
  }

  /** Name of the GitRepository. */
  public readonly name: string;
  /** How often Flux fetches the repository. */
  public readonly interval: Duration;
  /** The GitRepository (`source.toolkit.fluxcd.io/v1`). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, unresolved: FluxGitRepositoryProps) {
    super(scope, id);
    const props = FluxGitRepository.resolve(unresolved);
    throwIfInvalid(this, checkResolved(props));
    this.name = props.name;
    this.interval = props.interval;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: props.name },
      spec: {
        interval: fluxDuration(this.interval),
        url: props.url,
        ref: { branch: props.branch },
      },
    });
  }
}

function checkResolved(props: ResolvedFluxGitRepositoryProps): PropProblem[] {
  const checks = new PropChecks();
  checks.name('name', props.name, 'dnsSubdomain');
  checks.gitUrl('url', props.url);
  checks.gitBranch('branch', props.branch);
  checkFluxDuration(checks, 'interval', props.interval);
  return checks.problems;
}
