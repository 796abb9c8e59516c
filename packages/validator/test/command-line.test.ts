import { exitOnUnreadablePrevious, parseCommandLine } from '../src/command-line';
import { PreviousVersionError } from '../src/git-revisions';

const USAGE = 'Usage: some-command [options]';

function parse(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const parsed = parseCommandLine(
    argv,
    { dist: { type: 'string', default: 'dist' } },
    { usage: USAGE, out: text => out.push(text), err: text => err.push(text) },
  );
  return { parsed, out, err };
}

describe('the options both commands share', () => {
  test('are parsed with the command’s own, each with its default', () => {
    expect(parse(['stage']).parsed).toEqual({
      values: { format: 'text', help: false, dist: 'dist' },
      positionals: ['stage'],
    });
    expect(parse(['--format', 'json', '--against', 'HEAD~1', '--dist', 'out']).parsed).toEqual({
      values: { format: 'json', against: 'HEAD~1', help: false, dist: 'out' },
      positionals: [],
    });
  });

  test('--help prints the usage and stops with exit 0', () => {
    expect(parse(['--help', '--format', 'json'])).toEqual({ parsed: 0, out: [USAGE], err: [] });
  });

  test.each([
    [['--colour'], "Unknown option '--colour'"],
    [['--against'], "Option '--against <value>' argument missing"],
  ])('%j: what is wrong and the usage, exit 2', (argv, message) => {
    const { parsed, out, err } = parse(argv);
    expect(parsed).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0].slice(0, message.length)).toBe(message);
    expect(err[0].endsWith(`\n\n${USAGE}`)).toBe(true);
  });
});

describe('an --against that cannot be read', () => {
  test('is said, with exit 2; any other error is a bug and is thrown on', () => {
    const err: string[] = [];
    const unreadable = new PreviousVersionError("--against: 'v9' is neither a folder nor a commit, branch or tag");
    expect(exitOnUnreadablePrevious(unreadable, text => err.push(text))).toBe(2);
    expect(err).toEqual(["--against: 'v9' is neither a folder nor a commit, branch or tag"]);
    const bug = new TypeError("Cannot read properties of undefined (reading 'kind')");
    expect(() => exitOnUnreadablePrevious(bug, text => err.push(text))).toThrow(bug);
    expect(err).toHaveLength(1);
  });
});
