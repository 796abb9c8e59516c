import { imageVersion } from '@stateful-todo/kube-conventions';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

import { stackLabels } from '../charts/namespace-chart';
import { argoCdApplicationProps, fluxGitRepositoryProps, fluxKustomizationProps, StackConfig } from '../config';
import { COMPONENT_LABEL, INSTANCE_LABEL, NAME_LABEL, VERSION_LABEL } from '../kube/labels';

import { ArgoCdApplication } from './argo-cd-application';
import { FluxGitRepository } from './flux-git-repository';
import { FluxKustomization } from './flux-kustomization';

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
    this.application = new ArgoCdApplication(this, 'Application', argoCdApplicationProps(config));
  }
}

/** The Flux GitRepository and Kustomization of one stage, in a chart of its own (`<id>.k8s.yaml`). */
export class FluxChart extends Chart {
  public readonly source: FluxGitRepository;
  public readonly kustomization: FluxKustomization;

  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    const { config } = props;
    super(scope, id, { namespace: config.gitops.fluxNamespace, labels: gitopsLabels(config) });
    this.source = new FluxGitRepository(this, 'Source', fluxGitRepositoryProps(config));
    this.kustomization = new FluxKustomization(this, 'Kustomization', {
      ...fluxKustomizationProps(config),
      source: this.source,
    });
  }
}

// The stack's labels, but not its instance: these objects live in the GitOps tool's namespace and must survive a
// `kubectl apply --prune -l app.kubernetes.io/instance=…` of the stage they deploy.
function gitopsLabels(config: StackConfig): Record<string, string> {
  const { [INSTANCE_LABEL]: _instance, ...labels } = stackLabels(config);
  return {
    ...labels,
    [NAME_LABEL]: config.stackName,
    [COMPONENT_LABEL]: 'gitops',
    [VERSION_LABEL]: imageVersion(config.app.image),
  };
}
