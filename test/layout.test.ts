import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

function sources(folder: string): string[] {
  return (
    fs
      .readdirSync(folder, { withFileTypes: true, recursive: true })
      .filter(entry => entry.isFile() && entry.name.endsWith('.ts'))
      // parentPath: Node 20.12+; path: earlier 20.x.
      .map(entry => path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name))
  );
}

function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map(match => match[1]);
}

describe('the layout shows the architecture', () => {
  test('synthesis never imports the validator: what both read lives in packages/kube-conventions', () => {
    const offending = sources(LIB).flatMap(file =>
      importsOf(file)
        .filter(spec => spec.includes('manifest-validator') || spec.includes('packages/validator'))
        .map(spec => `${path.relative(ROOT, file)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  test('the validator never imports the stack', () => {
    const offending = sources(path.join(ROOT, 'packages', 'validator', 'src')).flatMap(file =>
      importsOf(file)
        .filter(spec => spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(LIB))
        .map(spec => `${path.relative(ROOT, file)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  test('every folder of lib/ has its tests in the same folder of test/', () => {
    const folders = fs
      .readdirSync(LIB, { withFileTypes: true })
      .filter(entry => entry.isDirectory())
      .map(entry => entry.name);
    // lib/kube/ holds helpers, tested through the constructs that use them.
    expect(folders.filter(folder => folder !== 'kube' && !fs.existsSync(path.join(ROOT, 'test', folder)))).toEqual([]);
  });

  test('constructs depend on interfaces, never on the config: data flows config → charts → constructs', () => {
    const constructFolders = ['app', 'database', 'ingress', 'kube'];
    const offending = constructFolders.flatMap(folder =>
      sources(path.join(LIB, folder)).flatMap(file =>
        importsOf(file)
          .filter(spec => /(^|\/)(config|charts)(\/|$)/.test(spec))
          .map(spec => `${path.relative(ROOT, file)} imports ${spec}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  test('the charts and the synthesis never switch on a database class: they read what IDatabaseServer exposes', () => {
    const databaseClasses = /instanceof\s+(Postgres\w*)/g;
    const files = [...sources(path.join(LIB, 'charts')), path.join(LIB, 'synthesize.ts')];
    const offending = files.flatMap(file =>
      [...fs.readFileSync(file, 'utf8').matchAll(databaseClasses)].map(
        match => `${path.relative(ROOT, file)}: instanceof ${match[1]}`,
      ),
    );
    expect(offending).toEqual([]);
  });
});
