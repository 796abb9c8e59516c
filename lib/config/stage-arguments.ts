import { parse as parseYaml } from 'yaml';

import { StackOverrides } from './stack-config';

// The command line of main.ts (`npm run synth:stage -- [STAGE …] [--set PATH=VALUE …]`). Not part of the library:
// only main.ts imports it (and `yaml`, a development dependency).

/** A command line main.ts cannot read; the message says what to write instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(
      `${message}\nUsage: npm run synth:stage -- [STAGE …] [--set PATH=VALUE …], ` +
        "such as: npm run synth:stage -- dev --set database.backup.schedule='@weekly'",
    );
    this.name = 'UsageError';
  }
}

/** One `--set`: a path into the settings and the value for it. */
export interface Setting {
  readonly path: readonly string[];
  readonly value: unknown;
}

export interface Arguments {
  /** The stages named; none means every stage. */
  readonly stages: readonly string[];
  readonly settings: readonly Setting[];
  /** Check the configs and write nothing. */
  readonly check: boolean;
}

const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** Reads main.ts's arguments; throws a UsageError for anything it cannot read, rather than guessing. */
export function parseArguments(args: readonly string[]): Arguments {
  const stages: string[] = [];
  const settings: Setting[] = [];
  let check = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--set') {
      const setting = args[index + 1];
      if (setting === undefined || setting.startsWith('--')) {
        throw new UsageError('--set: needs PATH=VALUE after it, such as --set app.replicas=2');
      }
      settings.push(parseSetting(setting));
      index++;
    } else if (arg.startsWith('--set=')) {
      throw new UsageError(`--set: write a space after --set, not '=': --set ${arg.slice('--set='.length)}`);
    } else if (arg === '--check') {
      check = true;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}; the options are --set PATH=VALUE and --check`);
    } else {
      stages.push(arg);
    }
  }
  return { stages, settings, check };
}

/**
 * `PATH=VALUE`: a dotted path into the settings (`database.backup.schedule`), and a value read as YAML flow, as the
 * README writes values (`2`, `true`, `{ minReplicas: 2, maxReplicas: 4 }`, `['infrastructure']`); a value that is no
 * YAML (`@weekly`) is the string itself.
 */
export function parseSetting(setting: string): Setting {
  const equals = setting.indexOf('=');
  const path = equals < 0 ? '' : setting.slice(0, equals);
  if (!PATH.test(path)) {
    throw new UsageError(
      `--set: must be PATH=VALUE, PATH a setting's name with dots between the levels (such as ` +
        `database.backup.schedule=0 4 * * *, or clusterDomain=corp.internal), got ${JSON.stringify(setting)}`,
    );
  }
  const raw = setting.slice(equals + 1);
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    // Not YAML: the plain string.
  }
  return { path: path.split('.'), value };
}

/** `overrides` with each setting applied: a path sets that one field, and leaves the others of its object alone. */
export function withSettings(overrides: StackOverrides, settings: readonly Setting[]): StackOverrides {
  const result: Record<string, unknown> = structuredClone(overrides) as Record<string, unknown>;
  for (const { path, value } of settings) {
    let object = result;
    for (const key of path.slice(0, -1)) {
      const next = object[key];
      object = object[key] =
        next !== null && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
    }
    object[path[path.length - 1]] = value;
  }
  return result as StackOverrides;
}
