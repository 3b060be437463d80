import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Node.js releases readme-gen runs on, as package.json's `engines` says: ^22.22.2 || >=24.15.0. */
export const SUPPORTED_NODE = '22.22.2 or a later 22.x, or 24.15 or later';

export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 2);
  if (major === 24) return minor >= 15;
  return major > 24;
}

/**
 * The Node this checkout brings (the devDependency `node`, in
 * node_modules/.bin beside dist/), when there is one and it is not the node
 * already running: a clone runs on it whatever node started the command. An
 * installed package has none, so the caller says what it needs instead.
 */
export function checkoutNode(binUrl: string, runningNode: string): string | undefined {
  const candidate = fileURLToPath(new URL('../../../node_modules/.bin/node', binUrl));
  try {
    return realpathSync(candidate) === realpathSync(runningNode) ? undefined : candidate;
  } catch {
    return undefined;
  }
}
