import { PropChecks } from '../../lib/kube/prop-checks';

const EXAMPLE = 'ghcr.io/stateful-todo/todo-service:0.1.0';
const imageProblems = (value: unknown) => {
  const checks = new PropChecks();
  checks.image('image', value, EXAMPLE);
  return checks.problems.map(problem => problem.message);
};

describe('PropChecks.image: what a kubelet would pull, pinned', () => {
  test.each([
    'postgres:17.6-bookworm',
    'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie',
    'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
    'localhost:5000/todo:1',
    // A registry host may have capitals; only the repository path may not.
    'Registry.Example.com/team/todo:1',
    // Capitals make a first component a host for Docker, as a '.' or a port does.
    'MyReg/todo:1',
    'my__app/x-y.z:1',
    // Names that start like a version are still names.
    '2048-game:1',
    'v2ray:1',
    `postgres@sha256:${'a'.repeat(64)}`,
  ])('accepts %s', image => {
    expect(imageProblems(image)).toEqual([]);
  });

  test.each(['latest', 'LATEST', 'stable', '1.2.3', 'v2', '17.6-bookworm'])(
    "%s alone reads as a tag: the field's example is suggested, not '<tag>:<tag>'",
    value => {
      expect(imageProblems(value)).toEqual([
        `must name an image with a pinned tag, such as '${EXAMPLE}', not a tag alone`,
      ]);
    },
  );

  test.each(['Postgres:17', 'ghcr.io/Org/todo:1', 'todo/-x:1'])(
    '%s is refused: its repository path is no image name (a pull would fail)',
    value => {
      expect(imageProblems(value)).toEqual([
        "must be an image reference whose repository path is lower-case letters and digits, separated by '/', " +
          `'.', '_' or '-', such as '${EXAMPLE}'`,
      ]);
    },
  );

  test('an untagged image gets its own name with the example tag, and latest is refused', () => {
    expect(imageProblems('postgres')).toEqual([
      "must pin a tag or digest, such as 'postgres:0.1.0'; an untagged image means 'latest'",
    ]);
    expect(imageProblems('postgres:latest')).toEqual([
      "must pin a version tag, not 'latest', so that every node runs the same image",
    ]);
  });
});
