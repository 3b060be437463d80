import type { SnapshotProgress } from '../registry/snapshot.js';

/**
 * Progress for people: one line on a terminal's stderr, redrawn at most ten
 * times a second, erased when done. Nothing at all when stderr is not a
 * terminal (CI logs, pipes) or with --quiet.
 */
export function terminalProgress(
  stream: NodeJS.WriteStream,
  quiet: boolean,
): { update: (progress: SnapshotProgress) => void; done: () => void } | undefined {
  if (quiet || !stream.isTTY) return undefined;
  let last = 0;
  let drawn = false;
  return {
    update(progress) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const part = (name: string, { done, total }: { done: number; total: number }) => `${name} ${done}/${total}`;
      const parts = [part('tags', progress.tags), part('manifests', progress.manifests), part('signatures', progress.signatures)];
      // Only once there are some: most images have none, and their line stays as it was.
      if (progress.attestations.total > 0) parts.push(part('attestations', progress.attestations));
      if (progress.images) parts.unshift(part('images', progress.images));
      stream.write(`\r${parts.join(' · ')}\u001b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}
