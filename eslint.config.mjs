// ESLint for the hand-written TypeScript and JavaScript; Prettier owns the layout (eslint-config-prettier turns off
// the rules it would fight), ESLint the rules cdk8s-team projects keep: import order, member ordering, no floating
// promises and a line length.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'imports/**',
      // Build output (dist/ is the synthesized manifests; app/, packages/* and examples/ bundle into their dist/).
      '**/dist/**',
      '.build/**',
      '.bench/**',
      'coverage/**',
      'packages/validator/src/schema/*.validators.js',
      'test/fixtures/**',
      'api/**',
      'crds/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  importPlugin.flatConfigs.recommended,
  importPlugin.flatConfigs.typescript,
  prettier,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.jest },
    },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: {
      // tsc resolves every import (workspace packages through tsconfig paths, which the node resolver cannot read).
      'import/no-unresolved': 'off',
      'import/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'always',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      // This codebase's order: static fields, then instance fields and static factories and checks (either first),
      // the constructor, and the instance methods.
      '@typescript-eslint/member-ordering': [
        'error',
        { default: ['signature', 'static-field', ['instance-field', 'static-method'], 'constructor', 'method'] },
      ],
      // tsc's noUnusedLocals/noUnusedParameters accept a leading underscore for a deliberately unused name; so do we.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // The validator and the tests walk parsed YAML, which has no type, and keep `any` for it; typing those walks is
      // its own change. The constructs and the published library do not (below).
      '@typescript-eslint/no-explicit-any': 'off',
      // Strings, template literals and regexes count too: split them. Only a line with a URL may be longer, since a
      // URL cannot be split and still be followed from the source.
      'max-len': ['error', { code: 150, ignoreUrls: true }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // tsc checks what a module exports; eslint-plugin-import would only repeat it, slower and less exactly.
      'import/namespace': 'off',
      'import/named': 'off',
      'import/default': 'off',
      'import/no-named-as-default-member': 'off',
      // The validator loads Ajv, git and generated code on demand, and some modules by a computed path: require() is
      // how it does so, and each site says why.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The constructs, the published library and the synth entry points: what a consumer compiles against is typed.
    files: ['lib/**/*.ts', 'main.ts', 'synth-stage.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // bench/ and the jest configs are plain CommonJS scripts that node runs without a build step.
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
