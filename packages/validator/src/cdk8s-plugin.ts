import * as fs from 'fs';
import * as path from 'path';

import { exitCode } from './cli';
import { CrdCatalog, CrdFileError } from './custom-resources';
import { summaryLine } from './report';
import { KUBERNETES_VERSIONS, minorOf } from './schema/kubernetes-version';
import { validatePaths, ValidateOptions, ValidationReport } from './validate-manifests';

/** Properties of the plugin, from `validations[].properties` in cdk8s.yaml. */
export interface ManifestValidationProps {
  /** Fail the synth on warnings too. @default true */
  readonly strict?: boolean;
  /** Rule IDs not to report. @default [] */
  readonly skip?: string[];
  /** Namespaces the cluster has, beyond default and kube-*. @default [] */
  readonly namespaceExists?: string[];
  /** Secrets the cluster provides, as NAMESPACE/NAME. @default [] */
  readonly providedSecrets?: string[];
  /** Files or folders of CustomResourceDefinitions to check custom resources against. @default [] */
  readonly crds?: string[];
  /** The Kubernetes versions to check against, such as `['1.36']`. @default - every bundled version (1.27 and 1.36) */
  readonly kubernetesVersions?: string[];
}

/** The slice of cdk8s-cli's ValidationContext the plugin uses (the CLI is not imported at run time). */
interface ValidationContext {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
  };
}

/**
 * The manifest validator as a cdk8s validation plugin, so that `cdk8s synth` fails on what `npm run validate`
 * finds. Each deployable unit of the output is validated as a set of its own: the folder holding a
 * `kustomization.yaml` with everything under it (a stage: the objects it applies and the Jobs created by hand
 * beside them), else each folder by itself.
 */
export class ManifestValidation {
  constructor(private readonly props: ManifestValidationProps = {}) {}

  public async validate(context: ValidationContext): Promise<void> {
    let crds: CrdCatalog;
    try {
      crds = CrdCatalog.fromFiles(this.props.crds ?? []);
    } catch (error) {
      if (!(error instanceof CrdFileError)) {
        throw error;
      }
      // A CRD file named in cdk8s.yaml that cannot be used fails the synth, naming it, like an unreadable manifest.
      for (const problem of error.problems) {
        context.report.addViolation({
          ruleName: 'crds (error)',
          recommendation: problem.replace(/^--crd: /, ''),
          fix: "correct or remove the path in the plugin's `crds` property in cdk8s.yaml",
          violatingResources: [
            { resourceName: 'cdk8s.yaml', locations: ['validations[].properties.crds'], manifestPath: 'cdk8s.yaml' },
          ],
        });
      }
      context.report.submit('failure', { summary: 'the CustomResourceDefinitions in `crds` could not be read' });
      return;
    }
    const unknownVersions = (this.props.kubernetesVersions ?? []).filter(
      wanted => !KUBERNETES_VERSIONS.some(v => v === wanted || minorOf(v) === wanted),
    );
    if (unknownVersions.length > 0) {
      context.report.addViolation({
        ruleName: 'kubernetesVersions (error)',
        recommendation:
          `kubernetesVersions must name ${KUBERNETES_VERSIONS.map(minorOf).join(' or ')} (the versions whose schemas ` +
          `are bundled), got ${unknownVersions.map(v => `'${v}'`).join(', ')}`,
        fix: "correct the plugin's `kubernetesVersions` property in cdk8s.yaml, or leave it out for all bundled versions",
        violatingResources: [
          {
            resourceName: 'cdk8s.yaml',
            locations: ['validations[].properties.kubernetesVersions'],
            manifestPath: 'cdk8s.yaml',
          },
        ],
      });
      context.report.submit('failure', { summary: 'unknown Kubernetes version in `kubernetesVersions`' });
      return;
    }
    const options: ValidateOptions = {
      skip: this.props.skip ?? [],
      existingNamespaces: this.props.namespaceExists ?? [],
      providedSecrets: this.props.providedSecrets ?? [],
      crds,
      kubernetesVersions: this.props.kubernetesVersions?.map(wanted =>
        KUBERNETES_VERSIONS.find(v => v === wanted || minorOf(v) === wanted)!,
      ),
    };
    const sets = new Map<string, string[]>();
    const top = commonFolder(context.manifests.map(manifest => path.resolve(path.dirname(manifest))));
    for (const manifest of context.manifests) {
      const folder = setRoot(path.dirname(manifest), top);
      sets.set(folder, [...(sets.get(folder) ?? []), manifest]);
    }
    const reports: ValidationReport[] = [...sets.keys()]
      .sort()
      .map(folder => validatePaths(sets.get(folder)!, options));
    for (const finding of reports.flatMap(r => r.findings).filter(f => f.severity !== 'info')) {
      context.report.addViolation({
        ruleName: `${finding.ruleId} (${finding.severity})`,
        recommendation: finding.message,
        fix: finding.fix,
        violatingResources: [
          {
            resourceName: finding.object ?? finding.file,
            locations: finding.path ? [finding.path] : [],
            manifestPath: `${finding.file}:${finding.line}`,
          },
        ],
      });
    }
    const failed = exitCode(reports, this.props.strict ?? true) !== 0;
    context.report.submit(failed ? 'failure' : 'success', {
      'kubernetes version': reports[0]?.kubernetesVersion ?? '',
      summary: summaryLine(reports),
    });
  }
}

/**
 * The nearest folder from `folder` up to `top` that holds a kustomization.yaml, else `folder`. `top` is the output
 * folder (the manifests' common folder), wherever `--output` put it: never the working folder, which an output
 * outside it (`cdk8s synth --output /tmp/out`) is not under.
 */
function setRoot(folder: string, top: string): string {
  for (let current = path.resolve(folder); isUnder(current, top); current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, 'kustomization.yaml'))) {
      return current;
    }
    if (current === top) {
      break;
    }
  }
  return folder;
}

/** The deepest folder that holds every one of `folders` (absolute paths). */
function commonFolder(folders: readonly string[]): string {
  let common = folders[0] ?? path.resolve('.');
  for (const folder of folders) {
    while (!isUnder(folder, common)) {
      common = path.dirname(common);
    }
  }
  return common;
}

function isUnder(folder: string, top: string): boolean {
  return folder === top || folder.startsWith(top.endsWith(path.sep) ? top : top + path.sep);
}
