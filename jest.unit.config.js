// `npm run test:unit`: every test that needs no root, no apt-get, no unshare and no PostgreSQL, and runs
// no build or synth in a process of its own. `npm test` runs these and the others, with package.json's
// configuration, which this one extends.
const { jest: config } = require('./package.json');

module.exports = {
  ...config,
  rootDir: __dirname,
  // One worker per core (jest's default leaves one core to itself): these tests spawn little, so all cores work.
  maxWorkers: '100%',
  testPathIgnorePatterns: [
    '/node_modules/',
    // The pods' commands as their uid (unshare, setpriv) against a real PostgreSQL.
    '<rootDir>/test/e2e/',
    // Debian tools, installed with apt-get when missing: shellcheck, xmllint.
    '<rootDir>/test/shell-scripts.test.ts',
    '<rootDir>/packages/validator/test/report-ci.test.ts',
    // Builds and whole synths in processes of their own: esbuild bundles of main.ts run over every stage, cdk8s-cli
    // (npm run synth:stage), npm pack and npm install, the library's build (tsc) and api-extractor.
    '<rootDir>/test/main.test.ts',
    '<rootDir>/test/review.test.ts',
    '<rootDir>/test/synth-stage.test.ts',
    '<rootDir>/test/packaging.test.ts',
    '<rootDir>/test/examples.test.ts',
    '<rootDir>/test/api-report.test.ts',
  ],
};
