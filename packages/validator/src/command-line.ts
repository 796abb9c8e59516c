import { parseArgs, ParseArgsConfig } from 'util';

import { PreviousVersionError } from './git-revisions';

/** The exit code of both commands for options they cannot use and input they cannot read. */
export const BAD_USAGE_EXIT_CODE = 2;

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * The options `npm run validate` and `npm run diff` both take, meaning the same in each: the report's format (text
 * unless given), the earlier version to compare with, and the usage text.
 */
const SHARED_OPTIONS = {
  format: { type: 'string', default: 'text' },
  against: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies OptionsConfig;

/** What a command prints to, and the usage it prints with an error in its options. */
export interface CommandOutput {
  readonly usage: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The parsed arguments: the shared options, the command's own, and the paths or stages after them. */
export type CommandLine<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof SHARED_OPTIONS & O }>
>;

/**
 * Parses `argv` with the shared options and `ownOptions`. When the command should stop here, returns its exit code
 * instead, having printed what it should: the usage for `--help` (0), or what is wrong and the usage for an unknown
 * option or one without its value (2).
 */
export function parseCommandLine<O extends OptionsConfig>(
  argv: readonly string[],
  ownOptions: O,
  output: CommandOutput,
): CommandLine<O> | number {
  let parsed: CommandLine<O>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { ...SHARED_OPTIONS, ...ownOptions } });
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${output.usage}`);
    return BAD_USAGE_EXIT_CODE;
  }
  // Inside this generic function TypeScript cannot resolve the values' type; the callers see it whole.
  if ((parsed.values as { readonly help: boolean }).help) {
    output.out(output.usage);
    return 0;
  }
  return parsed;
}

/**
 * For the `catch` around what reads the version `--against` names: when that version cannot be read (no such
 * revision, or not in a repository), prints why and returns the exit code for bad usage. Any other error is a bug,
 * and is thrown on.
 */
export function exitOnUnreadablePrevious(error: unknown, err: (text: string) => void): number {
  if (error instanceof PreviousVersionError) {
    err(error.message);
    return BAD_USAGE_EXIT_CODE;
  }
  throw error;
}
