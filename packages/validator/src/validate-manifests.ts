import { checkPolicy } from './check-policy';
import { checkReferences, ReferenceOptions } from './check-references';
import { KUBERNETES_VERSIONS, KubernetesVersion, SchemaChecker } from './check-schema';
import { checkSelectorOverlap } from './check-selector-overlap';
import { checkUpgrade } from './check-upgrade';
import { writeCodeCaches } from './code-cache';
import { CrdCatalog } from './custom-resources';
import { Finding, objectFinding } from './finding';
import { loadManifests, LoadResult } from './load-manifests';
import { describe, Manifest } from './manifest';
import { isRuleId, SUPPRESSION_PREFIX } from './rules';

export interface ValidateOptions extends ReferenceOptions {
  /** Rule IDs not to report. */
  readonly skip?: readonly string[];
  /**
   * The previous version of the same set (what the cluster runs now): the upgrade check reports every change the
   * API server would refuse. @default - no upgrade check
   */
  readonly previous?: readonly Manifest[];
  /**
   * CustomResourceDefinitions to check custom resources against, beyond those in the set itself (`--crd`; see
   * `CrdCatalog.fromFiles`). The set's own CRDs come first. @default - only the set's own
   */
  readonly crds?: CrdCatalog;
  /**
   * The Kubernetes versions to check against (`--kubernetes-version`), each with its bundled schema. What only some
   * of them refuse is reported with those versions named. @default - every bundled version (KUBERNETES_VERSIONS)
   */
  readonly kubernetesVersions?: readonly KubernetesVersion[];
}

/** Everything one validation run found, for one set of files checked together. */
export interface ValidationReport {
  /** The versions checked against, as a person reads them: `1.27.1 and 1.36.0`. */
  readonly kubernetesVersion: string;
  readonly kubernetesVersions: readonly KubernetesVersion[];
  readonly files: readonly string[];
  readonly objectCount: number;
  /** Sorted by file, then line. */
  readonly findings: readonly Finding[];
  /** Findings silenced by a per-object annotation that gives a reason. */
  readonly suppressed: number;
  /** Inputs that do not exist or cannot be read. */
  readonly unreadable: readonly string[];
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

// One checker per version and process: compiled schemas are reused across sets.
const sharedCheckers = new Map<KubernetesVersion, SchemaChecker>();

/** Validates files and folders as one set: every cross-reference is resolved within it. */
export function validatePaths(paths: readonly string[], options: ValidateOptions = {}): ValidationReport {
  return validateLoaded(loadManifests(paths), options);
}

/** Validates what `loadManifests` (or `parseFile`) produced. */
export function validateLoaded(loaded: LoadResult, options: ValidateOptions = {}): ValidationReport {
  const versions = [...new Set(options.kubernetesVersions ?? KUBERNETES_VERSIONS)];
  const checkers = versions.map(
    version => sharedCheckers.get(version) ?? sharedCheckers.set(version, new SchemaChecker(version)).get(version)!,
  );
  const manifests = loaded.manifests;
  const crds = new CrdCatalog(options.crds);
  crds.add(manifests);
  const raw: Finding[] = [
    ...loaded.findings,
    ...manifests.flatMap(manifest =>
      acrossVersions(
        checkers.map(checker => ({ version: checker.kubernetesVersion, findings: checker.check(manifest, crds) })),
      ),
    ),
    ...checkReferences(manifests, options),
    ...checkSelectorOverlap(manifests),
    ...checkPolicy(manifests),
    ...(options.previous ? checkUpgrade(options.previous, manifests) : []),
  ];
  const { kept, suppressed } = applySuppressions(raw, manifests);
  const skip = new Set(options.skip ?? []);
  const findings = kept
    .filter(f => !skip.has(f.ruleId))
    .sort(
      (a, b) =>
        a.file.localeCompare(b.file) ||
        a.line - b.line ||
        a.ruleId.localeCompare(b.ruleId) ||
        a.message.localeCompare(b.message),
    );
  // The validators this set called are compiled now: keep their code for the next run (nothing to do once kept).
  writeCodeCaches();
  return {
    kubernetesVersion: versions.join(' and '),
    kubernetesVersions: versions,
    files: loaded.files,
    objectCount: manifests.length,
    findings,
    suppressed,
    unreadable: loaded.unreadable,
    errors: findings.filter(f => f.severity === 'error').length,
    warnings: findings.filter(f => f.severity === 'warning').length,
    notes: findings.filter(f => f.severity === 'info').length,
  };
}

const VERSION_PLACEHOLDER = '\u0000version\u0000';

/**
 * The schema findings of one object under each version, as one list: a finding every version reports once (its
 * version, if it names one, replaced by all of them), and a finding only some report with those versions named.
 */
function acrossVersions(results: readonly { version: string; findings: readonly Finding[] }[]): Finding[] {
  const merged = new Map<string, { finding: Finding; versions: string[] }>();
  for (const { version, findings } of results) {
    for (const finding of findings) {
      const neutral = {
        ...finding,
        message: finding.message.split(`Kubernetes ${version}`).join(`Kubernetes ${VERSION_PLACEHOLDER}`),
      };
      const key = JSON.stringify(neutral);
      const entry = merged.get(key) ?? merged.set(key, { finding: neutral, versions: [] }).get(key)!;
      entry.versions.push(version);
    }
  }
  return [...merged.values()].map(({ finding, versions }) => {
    const named = finding.message.includes(VERSION_PLACEHOLDER);
    const message = finding.message.split(VERSION_PLACEHOLDER).join(versions.join(' and '));
    return {
      ...finding,
      message:
        named || versions.length === results.length
          ? message
          : `${message} (Kubernetes ${versions.join(' and ')} only)`,
    };
  });
}

// A finding is silenced by `skip.validator.todo-stack/<rule-id>: <reason>` on its object; an annotation without a
// reason, or naming no rule, is itself an error and silences nothing.
function applySuppressions(
  findings: Finding[],
  manifests: readonly Manifest[],
): { kept: Finding[]; suppressed: number } {
  const silenced = new Map<string, Set<string>>();
  const problems: Finding[] = [];
  for (const manifest of manifests) {
    for (const [key, value] of Object.entries(manifest.object.metadata.annotations ?? {})) {
      if (!key.startsWith(SUPPRESSION_PREFIX)) {
        continue;
      }
      const ruleId = key.slice(SUPPRESSION_PREFIX.length);
      const path = ['metadata', 'annotations', key];
      if (!isRuleId(ruleId) || ruleId === 'suppression-reason') {
        problems.push(
          objectFinding('suppression-reason', manifest, path, `suppression names no known rule: '${ruleId}'`),
        );
      } else if (typeof value !== 'string' || value.trim().length < 10) {
        problems.push(
          objectFinding(
            'suppression-reason',
            manifest,
            path,
            `suppression of '${ruleId}' gives no reason (at least a short sentence)`,
          ),
        );
      } else {
        const objectKey = `${manifest.file}|${describe(manifest.object)}`;
        silenced.set(objectKey, (silenced.get(objectKey) ?? new Set()).add(ruleId));
      }
    }
  }
  let suppressed = 0;
  const kept = findings.filter(f => {
    if (f.object && silenced.get(`${f.file}|${f.object}`)?.has(f.ruleId)) {
      suppressed++;
      return false;
    }
    return true;
  });
  return { kept: [...kept, ...problems], suppressed };
}
