import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { InputError } from '../../src/errors.js';
import { packageFile } from '../../src/package-root.js';
import { type SchemaName, isPrecompiled, parseValidated, schemaFiles, validatorFrom } from '../../src/validation/validate-document.js';

// At run time the schemas are compiled without the meta-schema check (it cost every start 30 ms); it is done here.
for (const [name, file] of Object.entries(schemaFiles) as [SchemaName, string][]) {
  test(`the ${name} schema is a valid JSON Schema 2020-12 document`, () => {
    const ajv = new Ajv2020({ strict: true });
    const schema = JSON.parse(readFileSync(file, 'utf8')) as object;
    assert.equal(ajv.validateSchema(schema), true, ajv.errorsText(ajv.errors));
  });
}

test('the meta-schema check finds a broken schema', () => {
  const ajv = new Ajv2020({ strict: true });
  assert.equal(
    ajv.validateSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { name: { type: 'strnig' } },
    }),
    false,
  );
});

test('an unknown key in a state file is also given its nearest known key, at its line', () => {
  const state = JSON.parse(readFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), 'utf8')) as object;
  const text = JSON.stringify({ $shema: 'https://readme-gen.dev/schemas/image-state.schema.json', ...state }, null, 2);
  assert.throws(
    () => parseValidated(text, 'state.json', 'image-state', 'json'),
    (error: unknown) =>
      error instanceof InputError && /^state\.json:2:3: \$shema: unknown key "\$shema"; did you mean "\$schema"\?$/.test(error.message),
  );
});

for (const [name, file] of Object.entries(schemaFiles) as [SchemaName, string][]) {
  test(`the build compiled the ${name} schema ahead of time, from the text in src/`, () => {
    assert.equal(isPrecompiled(name, readFileSync(file, 'utf8')), true);
  });
}

test('a schema changed after the build is compiled from its new text, not validated by the stale build', () => {
  const text = readFileSync(schemaFiles.config, 'utf8');
  const schema = JSON.parse(text) as { properties: { name: object } };
  const stricter = JSON.stringify({ ...schema, properties: { ...schema.properties, name: { ...schema.properties.name, maxLength: 2 } } });
  const config = { name: 'app', location: 'registry.example/app' };
  assert.equal(isPrecompiled('config', stricter), false);
  assert.equal(validatorFrom('config', text)(config), true);
  assert.equal(validatorFrom('config', stricter)(config), false);
});
