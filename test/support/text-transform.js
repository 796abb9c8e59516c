// Jest's counterpart of esbuild's text loader (`--loader:.sh=text`): a shell script imported by the library is
// its text, as in the bundles.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
