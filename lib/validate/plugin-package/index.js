// cdk8s-cli requires plugins as plain JavaScript. The app command in cdk8s.yaml bundles the TypeScript validator
// into .build/ just before the CLI loads this package, so the plugin always runs the current code.
module.exports = require('../../../.build/lib/validate/cdk8s-plugin.js');
