import { imageVersion } from '@stateful-todo/kube-conventions';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { stackLabels } from '../charts/namespace-chart';
import { StackConfig } from '../config';
import { ArgoCdApplication } from './argo-cd-application';
import { FluxGitRepository } from './flux-git-repository';
import { FluxKustomization } from './flux-kustomization';

/** Where a stage's apply folder is in the repository, relative to its root. */
export function stagePath(config: StackConfig): string {
  return `dist/${config.stage}`;
}

export interface GitOpsChartProps {
  /** The stage to deploy. */
  readonly config: StackConfig;
}

/** The Argo CD Application of one stage, in a chart of its own (`<id>.k8s.yaml`; the id is the stage name). */
export class ArgoCdChart extends Chart {
  public readonly application: ArgoCdApplication;

  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    const { config } = props;
    super(scope, id, { namespace: config.gitops.argoCdNamespace, labels: gitopsLabels(config) });
    this.application = new ArgoCdApplication(this, 'Application', {
      name: `${config.stackName}-${config.stage}`,
      repoUrl: config.gitops.repoUrl,
      targetRevision: config.gitops.branch,
      path: stagePath(config),
    });
  }
}

/** The Flux GitRepository and Kustomization of one stage, in a chart of its own (`<id>.k8s.yaml`). */
export class FluxChart extends Chart {
  public readonly source: FluxGitRepository;
  public readonly kustomization: FluxKustomization;

  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    const { config } = props;
    super(scope, id, { namespace: config.gitops.fluxNamespace, labels: gitopsLabels(config) });
    const name = `${config.stackName}-${config.stage}`;
    this.source = new FluxGitRepository(this, 'Source', { name, url: config.gitops.repoUrl, branch: config.gitops.branch });
    this.kustomization = new FluxKustomization(this, 'Kustomization', {
      name,
      source: this.source,
      path: `./${stagePath(config)}`,
      dependsOn: config.gitops.fluxDependsOn,
    });
  }
}

// The stack's labels, but not its instance: these objects live in the GitOps tool's namespace and must survive a
// `kubectl apply --prune -l app.kubernetes.io/instance=…` of the stage they deploy.
function gitopsLabels(config: StackConfig): Record<string, string> {
  const { ['app.kubernetes.io/instance']: _instance, ...labels } = stackLabels(config);
  return {
    ...labels,
    'app.kubernetes.io/name': config.stackName,
    'app.kubernetes.io/component': 'gitops',
    'app.kubernetes.io/version': imageVersion(config.app.image),
  };
}
