import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';

/** Props of an `ArgoCdApplication`: its name, the repository folder it applies, and its project. */
export interface ArgoCdApplicationProps {
  /** Name of the Application. */
  readonly name: string;
  /** Git repository URL. */
  readonly repoUrl: string;
  /** Branch, tag or commit. */
  readonly targetRevision: string;
  /** Folder of the repository to apply (a kustomization, which Argo CD renders). */
  readonly path: string;
  /**
   * The Argo CD project.
   * @default ARGO_CD_APPLICATION_DEFAULTS.project
   */
  readonly project?: string;
}

/** The defaults of an ArgoCdApplication. */
export const ARGO_CD_APPLICATION_DEFAULTS = {
  project: 'default',
} as const;

/** `ArgoCdApplicationProps` with every default applied. */
export type ResolvedArgoCdApplicationProps = Required<ArgoCdApplicationProps>;

/**
 * An Argo CD Application that keeps the cluster equal to one stage folder: automated sync with pruning and self
 * healing, sync waves from the manifests, the migration Job as a Sync hook, and retries with back-off for the
 * first sync, while the database comes up.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#applications
 */
export class ArgoCdApplication extends Construct {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: ArgoCdApplicationProps): PropProblem[] {
    return checkResolved(ArgoCdApplication.resolve(props));
  }

  /** `props` with `ARGO_CD_APPLICATION_DEFAULTS` applied. */
  public static resolve(props: ArgoCdApplicationProps): ResolvedArgoCdApplicationProps {
    return { ...props, project: props.project ?? ARGO_CD_APPLICATION_DEFAULTS.project };
  }

  /** The Application (`argoproj.io/v1alpha1`). */
  public readonly resource: ApiObject;
  /** The Argo CD project the Application belongs to. */
  public readonly project: string;

  constructor(scope: Construct, id: string, unresolved: ArgoCdApplicationProps) {
    super(scope, id);
    const props = ArgoCdApplication.resolve(unresolved);
    throwIfInvalid(this, checkResolved(props));
    this.project = props.project;
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: props.name,
        // Deleting the Application deletes what it deployed, except what is annotated to be kept (the data).
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: this.project,
        source: { repoURL: props.repoUrl, targetRevision: props.targetRevision, path: props.path },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          // Old objects are removed only once the new ones are applied and healthy.
          syncOptions: ['PruneLast=true'],
          retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    });
  }
}

function checkResolved(props: ResolvedArgoCdApplicationProps): PropProblem[] {
  const checks = new PropChecks();
  checks.name('name', props.name, 'dnsSubdomain');
  checks.gitUrl('repoUrl', props.repoUrl);
  checks.gitBranch('targetRevision', props.targetRevision);
  checks.repositoryPath('path', props.path, '', 'dist/prod');
  checks.name('project', props.project, 'dnsSubdomain');
  return checks.problems;
}
