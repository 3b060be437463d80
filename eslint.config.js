/**
 * `npm run lint` (with prettier --check): typescript-eslint's type-aware
 * recommended rules over src/, test/, scripts/ and bench/, and the layer
 * boundaries and import cycles of eslint/layers.js.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { layers } from './eslint/layers.js';

export default defineConfig(
  // fixtures/lint breaks the rules on purpose: test/lint/layers.test.ts lints it with its own config.
  { ignores: ['dist/', 'fixtures/', 'templates/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test tracks the promises test() and describe() return itself; awaiting them would serialise the file.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // The same convention as tsc's noUnusedParameters: a leading underscore names what is unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Matching control characters is the point of the sanitisers that strip them from terminal and Markdown output.
      'no-control-regex': 'off',
    },
  },
  {
    // One CLI runner: it gives every readme-gen a test starts the loopback guard and a clean environment.
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/run-cli.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.name=/^(spawn|spawnSync|execFile|execFileSync|fork)$/][arguments.0.object.name='process'][arguments.0.property.name='execPath']",
          message:
            'start readme-gen through runCli or runCliAsync (test/helpers/run-cli.ts), which give it the loopback guard and a clean environment',
        },
      ],
    },
  },
  // The lint configuration itself is JavaScript outside tsconfig.json: no type information.
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  layers(import.meta.dirname),
);
