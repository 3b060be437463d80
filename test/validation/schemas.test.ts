import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { InputError } from '../../src/errors.js';
import { packageFile } from '../../src/package-root.js';
import { type SchemaName, nearestKey, parseValidated, schemaFiles } from '../../src/validation/validate-document.js';

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
  assert.equal(ajv.validateSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { name: { type: 'strnig' } } }), false);
});

describe('nearestKey: the known key an unknown one is most likely a misspelling of', () => {
  const keys = ['name', 'location', 'repo', 'description', 'description-file', 'exclude-tags', 'primary-tag', 'identity', 'key', 'trusted-root', 'wording'];

  test('one edit away: a separator, a letter too many or too few, two letters swapped, another case', () => {
    assert.equal(nearestKey('exclude_tags', keys), 'exclude-tags');
    assert.equal(nearestKey('primary_tag', keys), 'primary-tag');
    assert.equal(nearestKey('identitiy', keys), 'identity');
    assert.equal(nearestKey('idnetity', keys), 'identity');
    assert.equal(nearestKey('descripton', keys), 'description');
    assert.equal(nearestKey('Name', keys), 'name');
  });

  test('several edits on a long key, within a third of its length', () => {
    assert.equal(nearestKey('excludeTags', keys), 'exclude-tags');
    assert.equal(nearestKey('certificate_oidc_issuer', ['certificate-identity', 'certificate-oidc-issuer']), 'certificate-oidc-issuer');
  });

  test('the nearest of two candidates', () => {
    assert.equal(nearestKey('description_file', keys), 'description-file');
    assert.equal(nearestKey('descriptio', keys), 'description');
  });

  test('nothing when no key is close: no guess at a different word', () => {
    for (const unknown of ['colour', 'id', 'desc', 'signing', 'repository', 'tag', 'subject']) {
      assert.equal(nearestKey(unknown, keys), undefined, unknown);
    }
    assert.equal(nearestKey('name', []), undefined);
  });
});

test('an unknown key in a state file is also given its nearest known key, at its line', () => {
  const state = JSON.parse(readFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), 'utf8')) as object;
  const text = JSON.stringify({ $shema: 'https://readme-gen.dev/schemas/image-state.schema.json', ...state }, null, 2);
  assert.throws(
    () => parseValidated(text, 'state.json', 'image-state', 'json'),
    (error: unknown) => error instanceof InputError && /^state\.json:2:3: \$shema: unknown key "\$shema"; did you mean "\$schema"\?$/.test(error.message),
  );
});
