import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';

export interface FluxGitRepositoryProps {
  readonly name: string;
  readonly url: string;
  readonly branch: string;
  /**
   * How often Flux fetches the repository.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
}

/**
 * The Flux source the stage's Kustomization reads.
 * @see https://fluxcd.io/flux/components/source/gitrepositories/
 */
export class FluxGitRepository extends Construct {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: FluxGitRepositoryProps): PropProblem[] {
    const checks = new PropChecks();
    checks.name('name', props.name, 'dnsSubdomain');
    checks.gitUrl('url', props.url);
    checks.gitBranch('branch', props.branch);
    checks.integer('interval', (props.interval ?? Duration.minutes(5)).toSeconds(), 1, Number.MAX_SAFE_INTEGER,
      'must be at least Duration.seconds(1)');
    return checks.problems;
  }

  public readonly name: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: FluxGitRepositoryProps) {
    super(scope, id);
    throwIfInvalid(this, FluxGitRepository.checkProps(props));
    this.name = props.name;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: props.name },
      spec: {
        interval: fluxDuration(props.interval ?? Duration.minutes(5)),
        url: props.url,
        ref: { branch: props.branch },
      },
    });
  }
}

/** A Duration in Flux's Go syntax: `5m`, `90s`. */
export function fluxDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}
