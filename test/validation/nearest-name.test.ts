import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nearestName } from '../../src/validation/nearest-name.js';

describe('nearestName: the known key an unknown one is most likely a misspelling of', () => {
  const keys = [
    'name',
    'location',
    'repo',
    'description',
    'description-file',
    'exclude-tags',
    'primary-tag',
    'identity',
    'key',
    'trusted-root',
    'wording',
  ];

  test('one edit away: a separator, a letter too many or too few, two letters swapped, another case', () => {
    assert.equal(nearestName('exclude_tags', keys), 'exclude-tags');
    assert.equal(nearestName('primary_tag', keys), 'primary-tag');
    assert.equal(nearestName('identitiy', keys), 'identity');
    assert.equal(nearestName('idnetity', keys), 'identity');
    assert.equal(nearestName('descripton', keys), 'description');
    assert.equal(nearestName('Name', keys), 'name');
  });

  test('several edits on a long key, within a third of its length', () => {
    assert.equal(nearestName('excludeTags', keys), 'exclude-tags');
    assert.equal(nearestName('certificate_oidc_issuer', ['certificate-identity', 'certificate-oidc-issuer']), 'certificate-oidc-issuer');
  });

  test('the nearest of two candidates', () => {
    assert.equal(nearestName('description_file', keys), 'description-file');
    assert.equal(nearestName('descriptio', keys), 'description');
  });

  test('nothing when no key is close: no guess at a different word', () => {
    for (const unknown of ['colour', 'id', 'desc', 'signing', 'repository', 'tag', 'subject']) {
      assert.equal(nearestName(unknown, keys), undefined, unknown);
    }
    assert.equal(nearestName('name', []), undefined);
  });
});
