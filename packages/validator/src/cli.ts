#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';

import { BAD_USAGE_EXIT_CODE, exitOnUnreadablePrevious, parseCommandLine } from './command-line';
import { CrdCatalog, CrdFileError } from './custom-resources';
import { loadManifests } from './load-manifests';
import { loadFromGit } from './load-previous';
import { formatJson, formatText } from './report';
import { formatJunit, formatSarif } from './report-ci';
import { isRuleId } from './rules';
import { KUBERNETES_VERSIONS, KubernetesVersion, minorOf } from './schema/kubernetes-version';
import { validatePaths, ValidationReport } from './validate-manifests';

export const USAGE = `Usage: npm run validate -- [options] [path ...]

Checks Kubernetes manifests (YAML or JSON files, or folders searched recursively) against the Kubernetes 1.27
and 1.36 APIs (strict schemas), against each other (references), and against policy. All paths given form one
set. Without paths, each folder under dist/ (one per stage) is checked as a set of its own, and so is each folder
of one output folder given alone (a folder of stage folders, one of them with a kustomization.yaml).

Options:
  --format FORMAT            text (default), json, sarif (SARIF 2.1.0, for GitHub code scanning) or junit
                             (JUnit XML, for GitLab, Jenkins and others)
  --strict                   exit 1 on warnings too
  --skip RULE[,RULE]         do not report these rules (repeatable)
  --namespace-exists NAME    a namespace the cluster has, beyond default and kube-* (repeatable)
  --provided-secret NS/NAME  a Secret the cluster provides (repeatable)
  --crd FILE|FOLDER          CustomResourceDefinitions to check custom resources against, strictly (repeatable;
                             CRDs in the set itself are used too). Each file is compiled once and its code cached
                             in node_modules/.cache/manifest-validator (MANIFEST_VALIDATOR_CACHE=DIR elsewhere,
                             =off for none)
  --kubernetes-version V     check against this version's API only: 1.27 or 1.36 (repeatable; default: both;
                             what only one of them refuses is reported with that version named)
  --against REV|FOLDER       the upgrade check: also report every change from the previous version (a git
                             revision of the same paths, which must be inside the repository; or a folder: an
                             earlier dist/, whose stage folders pair with today's by name, or an earlier version
                             of the paths themselves) that the API server refuses on update (immutable fields),
                             and data left behind
  --help                     this text

Exit codes: 0 clean, 1 errors (or warnings with --strict), 2 unreadable input or bad options.`;

/** Runs the validator as the command line does; returns the exit code. */
export function runCli(
  argv: readonly string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): number {
  const parsed = parseCommandLine(
    argv,
    {
      strict: { type: 'boolean', default: false },
      skip: { type: 'string', multiple: true, default: [] },
      'namespace-exists': { type: 'string', multiple: true, default: [] },
      'provided-secret': { type: 'string', multiple: true, default: [] },
      crd: { type: 'string', multiple: true, default: [] },
      'kubernetes-version': { type: 'string', multiple: true, default: [] },
    },
    { usage: USAGE, out, err },
  );
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values, positionals } = parsed;
  const problems: string[] = [];
  const formats: Record<string, (reports: ValidationReport[]) => string> = {
    text: formatText,
    json: formatJson,
    sarif: formatSarif,
    junit: reports => formatJunit(reports, values.strict),
  };
  if (!Object.prototype.hasOwnProperty.call(formats, values.format)) {
    problems.push(`--format must be one of ${Object.keys(formats).join(', ')}, got '${values.format}'`);
  }
  const skip = values.skip
    .flatMap(s => s.split(','))
    .map(s => s.trim())
    .filter(Boolean);
  for (const rule of skip.filter(id => !isRuleId(id))) {
    problems.push(`--skip names no rule: '${rule}' (the rules are listed in the README)`);
  }
  for (const secret of values['provided-secret'].filter(s => !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(s))) {
    problems.push(`--provided-secret must be NAMESPACE/NAME, got '${secret}'`);
  }
  const kubernetesVersions: KubernetesVersion[] = [];
  for (const wanted of values['kubernetes-version']) {
    const version = KUBERNETES_VERSIONS.find(v => v === wanted || minorOf(v) === wanted);
    if (version) {
      kubernetesVersions.push(version);
    } else {
      problems.push(
        `--kubernetes-version must be ${KUBERNETES_VERSIONS.map(minorOf).join(' or ')} (the versions whose schemas are bundled), got '${wanted}'`,
      );
    }
  }
  if (problems.length > 0) {
    err(`${problems.join('\n')}\n\n${USAGE}`);
    return BAD_USAGE_EXIT_CODE;
  }
  let crds: CrdCatalog;
  try {
    crds = CrdCatalog.fromFiles(values.crd);
  } catch (error) {
    if (!(error instanceof CrdFileError)) {
      throw error;
    }
    err(`${error.message}\n\n${USAGE}`);
    return BAD_USAGE_EXIT_CODE;
  }
  const options = {
    skip,
    existingNamespaces: values['namespace-exists'],
    providedSecrets: values['provided-secret'],
    crds,
    kubernetesVersions: kubernetesVersions.length > 0 ? kubernetesVersions : undefined,
  };
  // An output folder such as dist/ is a set per stage, given or not: its stages are never applied together.
  const outputFolder =
    positionals.length === 0
      ? 'dist'
      : positionals.length === 1 && isOutputFolder(positionals[0])
        ? positionals[0]
        : undefined;
  const sets = outputFolder === undefined ? [positionals] : stageFolders(outputFolder);
  let reports: ValidationReport[];
  try {
    reports = sets.map(set =>
      validatePaths(set, {
        ...options,
        previous:
          values.against === undefined ? undefined : previousOf(set, values.against, outputFolder === undefined),
      }),
    );
  } catch (error) {
    return exitOnUnreadablePrevious(error, err);
  }
  out(formats[values.format](reports));
  return exitCode(reports, values.strict);
}

/** 2 when input could not be read or parsed, 1 on errors (or warnings when strict), 0 otherwise. */
export function exitCode(reports: readonly ValidationReport[], strict: boolean): number {
  if (reports.some(r => r.unreadable.length > 0 || r.findings.some(f => f.ruleId === 'parse-error'))) {
    return BAD_USAGE_EXIT_CODE;
  }
  if (reports.some(r => r.errors > 0 || (strict && r.warnings > 0))) {
    return 1;
  }
  return 0;
}

/**
 * The previous version of a set: the same paths at a git revision, or, from a folder, the entries of that folder
 * named like the paths checked (so an earlier dist/ pairs its stage folders with today's by name: dist/prod with
 * its prod/), or the whole folder when it has none of those names (an earlier version of the paths themselves).
 */
function previousOf(set: readonly string[], against: string, explicit: boolean) {
  if (fs.existsSync(against) && fs.statSync(against).isDirectory()) {
    const counterparts = set.map(p => path.join(against, path.basename(path.resolve(p)))).filter(p => fs.existsSync(p));
    // dist/'s own stage folders always pair by name: a stage the earlier version lacks has no previous objects.
    return loadManifests(counterparts.length > 0 || !explicit ? counterparts : [against]).manifests;
  }
  return loadFromGit(against, set).manifests;
}

/** A folder of stage folders, as `cdk8s synth` writes: no manifest of its own, and a stage with a kustomization.yaml. */
function isOutputFolder(folder: string): boolean {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    return false;
  }
  const entries = fs.readdirSync(folder, { withFileTypes: true });
  return (
    !entries.some(e => e.isFile() && /\.(ya?ml|json)$/.test(e.name)) &&
    entries.some(e => e.isDirectory() && fs.existsSync(path.join(folder, e.name, 'kustomization.yaml')))
  );
}

/** Each folder under `root` is one stage: checked as a set of its own. */
function stageFolders(root: string): string[][] {
  if (!fs.existsSync(root)) {
    return [[root]];
  }
  const folders = fs
    .readdirSync(root, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => path.join(root, e.name))
    .sort();
  return folders.length > 0 ? folders.map(folder => [folder]) : [[root]];
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
