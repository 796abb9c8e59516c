import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';

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
  public readonly name: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: FluxGitRepositoryProps) {
    super(scope, id);
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
