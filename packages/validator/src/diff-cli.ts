#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';

import { BAD_USAGE_EXIT_CODE, exitOnUnreadablePrevious, parseCommandLine } from './command-line';
import { diffManifests, needsAPerson } from './diff-manifests';
import { DiffReport, formatDiffJson, formatDiffMarkdown, formatDiffText } from './diff-report';
import { foldersAt, mergeBaseWithDefaultBranch, Revision, revision } from './git-revisions';
import { loadManifests } from './load-manifests';
import { loadFromGit } from './load-previous';
import { Manifest } from './manifest';

export const DIFF_USAGE = `Usage: npm run diff -- [--against REF|FOLDER] [--format text|json|markdown] [--dist FOLDER] [stage ...]

What the synthesized output in dist/ does to a cluster running an earlier version of it, object by object, per
stage (each folder under dist/; all of them unless named): the objects added, removed and changed, each changed
field with its old and new value (a Secret's values are never shown), grouped by effect: the API server refuses
(an immutable field, with the one-time step that applies it), deletes or orphans data, rolls pods (which workload,
why), no effect on running pods.

Options:
  --against REF|FOLDER   the earlier version: a git revision (its dist/), or a folder holding an earlier dist/
                         (default: the merge base of HEAD with the default branch, origin/HEAD, main or master)
  --format FORMAT        text (default), json, or markdown (for a pull request comment or a CI job summary)
  --dist FOLDER          the output to review (default: dist), such as a rehearsal synthesized with CDK8S_OUTDIR
  --help                 this text

Exit codes: 0 nothing refused and no data deleted or orphaned; 1 otherwise (a person must act); 2 bad usage.`;

const FORMATS = { text: formatDiffText, json: formatDiffJson, markdown: formatDiffMarkdown } as const;

/** Runs the diff as the command line does; returns the exit code. */
export function runDiffCli(
  argv: readonly string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): number {
  const parsed = parseCommandLine(argv, { dist: { type: 'string', default: 'dist' } }, { usage: DIFF_USAGE, out, err });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values, positionals } = parsed;
  const format = FORMATS[values.format as keyof typeof FORMATS];
  if (!format) {
    err(`--format must be text, json or markdown, got '${values.format}'\n\n${DIFF_USAGE}`);
    return BAD_USAGE_EXIT_CODE;
  }
  const dist = path.resolve(values.dist);
  if (!isFolder(dist)) {
    err(
      `--dist: '${values.dist}' is not a folder; synthesize first (npm run synth), or name the folder that holds the stages`,
    );
    return BAD_USAGE_EXIT_CODE;
  }
  let report: DiffReport;
  try {
    const earlier = earlierVersion(values.against);
    const stages = [...new Set([...subfolders(dist), ...earlier.stages])].sort();
    const unknown = positionals.filter(stage => !stages.includes(stage));
    if (unknown.length > 0) {
      err(`no stage '${unknown[0]}' in ${values.dist} or in ${earlier.label}; the stages are ${stages.join(', ')}`);
      return BAD_USAGE_EXIT_CODE;
    }
    const chosen = positionals.length > 0 ? stages.filter(stage => positionals.includes(stage)) : stages;
    report = {
      against: earlier.label,
      stages: chosen.map(stage => diffManifests(stage, earlier.load(stage), current(path.join(dist, stage)))),
    };
  } catch (error) {
    return exitOnUnreadablePrevious(error, err);
  }
  out(format(report));
  return needsAPerson(report.stages) ? 1 : 0;
}

/** The stage folders of the earlier version, and a way to read one. */
interface EarlierVersion {
  readonly label: string;
  readonly stages: readonly string[];
  load(stage: string): Manifest[];
}

function earlierVersion(against: string | undefined): EarlierVersion {
  if (against !== undefined && isFolder(against)) {
    const folder = path.resolve(against);
    return {
      label: `the folder ${against}`,
      stages: subfolders(folder),
      load: stage => current(path.join(folder, stage)),
    };
  }
  const at: Revision = against === undefined ? mergeBaseWithDefaultBranch() : revision(against);
  const stages = foldersAt(at.ref, 'dist');
  return {
    label: at.label,
    stages,
    load: stage => (stages.includes(stage) ? loadFromGit(at.ref, [path.join('dist', stage)]).manifests : []),
  };
}

function current(folder: string): Manifest[] {
  return isFolder(folder) ? loadManifests([folder]).manifests : [];
}

function isFolder(folder: string): boolean {
  return fs.existsSync(folder) && fs.statSync(folder).isDirectory();
}

function subfolders(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => e.name)
    .sort();
}

if (require.main === module) {
  process.exitCode = runDiffCli(process.argv.slice(2));
}
