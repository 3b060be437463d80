/** The Node.js releases readme-gen runs on, as package.json's `engines` says: ^22.22.2 || >=24.15.0. */
export const SUPPORTED_NODE = '22.22.2 or a later 22.x, or 24.15 or later';

export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 2);
  if (major === 24) return minor >= 15;
  return major > 24;
}
