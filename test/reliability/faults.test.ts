/** The fault suite (fault-suite.ts) over HTTP/1.1: the counting proxy in front of docker-registry, plain HTTP on loopback. */
import { faultSuite } from './fault-suite.js';

faultSuite('http/1.1');
