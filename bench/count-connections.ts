/**
 * Preloaded into readme-gen by the registry benchmark (`node --import`): counts
 * the connections undici opens, through its diagnostics channel, and prints
 * the count on stderr at exit, so the bench can set requests against
 * connections. Not part of readme-gen.
 */
import { subscribe } from 'node:diagnostics_channel';

let connections = 0;
subscribe('undici:client:connected', () => {
  connections++;
});
process.on('exit', () => {
  process.stderr.write(`bench: connections ${connections}\n`);
});
