import { parseCommandLine } from '../src/command-line';

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
