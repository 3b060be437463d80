/**
 * The one loopback test: where plain HTTP is allowed (a registry location,
 * --api-url, a TUF mirror) and where a refused connection is "nothing
 * listens here" rather than a remote restart. All of 127.0.0.0/8 is loopback,
 * not just 127.0.0.1: blob storage in the secrets test listens on 127.0.0.2.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopback } from '../../src/http/loopback.js';

describe('isLoopback', () => {
  test('127.0.0.0/8 (also IPv4-mapped), ::1, localhost and *.localhost, in any case, with or without a port', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.1:5000',
      '127.0.0.2',
      '127.0.0.2:8080',
      '127.255.255.254',
      '[::1]',
      '[::1]:443',
      '::1',
      'localhost',
      'localhost:5000',
      'registry.localhost:5000',
      'LOCALHOST',
      '::ffff:127.0.0.1',
      '[::ffff:127.0.0.1]:5000',
    ]) {
      assert.equal(isLoopback(host), true, host);
    }
  });

  test('anything else, however much of it looks like loopback', () => {
    for (const host of [
      'example.com',
      'registry.example.com:443',
      '127.0.0.1.example.com',
      'localhost.example.com',
      '128.0.0.1',
      '10.0.0.1',
      '127.0.0.256',
      '[::2]',
      '::ffff:10.0.0.1',
      'notlocalhost',
    ]) {
      assert.equal(isLoopback(host), false, host);
    }
  });
});
