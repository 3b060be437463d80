/**
 * The fault suite (fault-suite.ts) over HTTP/2: the counting proxy serves h2
 * with TLS (a test CA in certs.d) in front of docker-registry, so every
 * scenario reaches readme-gen as streams of one multiplexed connection.
 */
import { faultSuite } from './fault-suite.js';

faultSuite('h2');
