// Shell scripts are imported as their text: esbuild's text loader (`--loader:.sh=text`) inlines them into the
// bundles, and test/support/text-transform.js does the same under jest. Nothing reads them at run time.
declare module '*.sh' {
  const text: string;
  export default text;
}
