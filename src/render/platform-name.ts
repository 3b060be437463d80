import type { PlatformRecord } from '../state/image-state.js';

/** A platform as people name it: `amd64`, `arm/v7`; the OS only when it is not linux (`windows/amd64`). */
export function platformName(platform: PlatformRecord): string {
  return [platform.os === 'linux' ? undefined : platform.os, platform.architecture, platform.variant]
    .filter((part) => part !== undefined)
    .join('/');
}
