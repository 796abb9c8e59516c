// For the `cdk8s init` way (ts-node runs main.ts as Node loads modules): a shell script the library imports is its
// text, as esbuild's text loader makes it in the bundles.
const fs = require('fs');

require.extensions['.sh'] = (module, filename) => {
  module.exports = fs.readFileSync(filename, 'utf8');
};
