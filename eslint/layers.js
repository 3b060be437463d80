/**
 * The layers of src/ and the lint rules that keep them: a folder imports from
 * itself and from folders in lower layers only; folders in the same layer never
 * import each other; nothing in src/ imports tests, scripts or benchmarks; and
 * no module reaches itself again through its imports (a cycle).
 *
 * The boundaries are import-x's no-restricted-paths with one zone per
 * forbidden (importer, imported) pair, generated from LAYERS below, so every
 * message names both folders and their layers. That rule skips an import its
 * resolver cannot resolve, so no-unresolved is on too: an import the layer
 * rule could not see is an error of its own.
 *
 * A function of the repository root, so test/lint/layers.test.ts runs the same
 * rules over the miniature tree in fixtures/lint.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Top to bottom. Each entry is a folder of src/ or a file directly in it.
 * README.md's development section shows the same table.
 */
export const LAYERS = [
  ['cli'],
  ['commands'],
  ['config'],
  ['render', 'pr', 'verify'],
  ['attestations'],
  ['registry', 'signatures', 'integrations'],
  ['state', 'markdown'],
  ['http', 'tags', 'validation', 'diff', 'fs', 'text'],
  ['errors.ts', 'package-root.ts'],
];

/** layer number (0 at the bottom) of each entry of src/ */
const LAYER_OF = new Map(LAYERS.flatMap((entries, index) => entries.map((entry) => [entry, LAYERS.length - 1 - index])));

/**
 * A folder or file added to src/ without a place in LAYERS would import and be
 * imported by anything: refuse to lint until it has one.
 */
function assertEveryEntryHasALayer(src) {
  const unplaced = readdirSync(src, { withFileTypes: true })
    .filter((entry) => (entry.isDirectory() || entry.name.endsWith('.ts')) && !LAYER_OF.has(entry.name))
    .map((entry) => entry.name);
  if (unplaced.length > 0) {
    throw new Error(`eslint/layers.js: src/${unplaced.join(', src/')} has no layer; add it to LAYERS (and to the table in README.md)`);
  }
}

/** One zone per importer and each entry at its own layer or above it. */
function layerZones(root) {
  const src = path.join(root, 'src');
  const zones = [];
  for (const [importer, importerLayer] of LAYER_OF) {
    for (const [imported, importedLayer] of LAYER_OF) {
      if (imported === importer || importedLayer < importerLayer) continue;
      const where = importedLayer === importerLayer ? 'the same layer' : 'above it';
      zones.push({
        target: path.join(src, importer),
        from: path.join(src, imported),
        message: `src/${importer} (layer ${importerLayer}) may not import src/${imported} (layer ${importedLayer}, ${where}): a folder imports only from itself and lower layers (eslint/layers.js)`,
      });
    }
  }
  zones.push({
    target: src,
    from: ['test', 'scripts', 'bench'].map((folder) => path.join(root, folder)),
    message: 'src/ never imports tests, scripts or benchmarks',
  });
  return zones;
}

/** The flat-config objects for the TypeScript files under `root`. */
export function layers(root) {
  assertEveryEntryHasALayer(path.join(root, 'src'));
  return [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { 'import-x': importX },
      settings: {
        'import-x/resolver-next': [createTypeScriptImportResolver()],
        // no-cycle follows only modules it can parse: without these it sees no TypeScript file's imports.
        'import-x/extensions': ['.ts'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { zones: layerZones(root) }],
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
        'import-x/no-unresolved': 'error',
      },
    },
  ];
}
