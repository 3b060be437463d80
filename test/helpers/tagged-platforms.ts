/**
 * A repository as per-arch publishing leaves it (issue 10): an OCI index
 * whose platform manifests carry tags of their own, a Docker manifest list
 * likewise, and single-arch images. Pushed to a real registry; the tests read
 * the README's tags table back from its syntax tree and compare it with what
 * was pushed.
 */
import assert from 'node:assert/strict';
import type { Table, TableCell } from 'mdast';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { digestsShown } from '../../src/markdown/table-digest.js';
import type { Digest } from '../../src/state/image-state.js';
import type { Platform, PushedImage, PushedIndex, Pusher } from '../harness/push.js';

export interface TaggedPlatforms {
  index: PushedIndex;
  dockerList: PushedIndex;
  single: PushedImage;
  singleDocker: PushedImage;
  /** every tag pushed, to the digest it names */
  tags: Map<string, Digest>;
}

/** One row of a rendered tags table, as a reader sees it. */
export interface ShownRow {
  tags: string[];
  digest: string;
  /** default template: `os/arch[/variant] sha256:…` per platform; distroless: the Arch column's values */
  platforms: string[];
}

const INDEX_TAGS = ['1.0', '1.0.1', 'latest'];

export async function pushTaggedPlatforms(pusher: Pusher): Promise<TaggedPlatforms> {
  const tags = new Map<string, Digest>();
  const tag = async (name: string, digest: Digest) => {
    await pusher.tag(name, digest);
    tags.set(name, digest);
  };
  const index = await pusher.pushIndex({
    images: [
      { platform: { os: 'linux', architecture: 'amd64' } },
      { platform: { os: 'linux', architecture: 'arm64' } },
      { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ],
  });
  for (const name of INDEX_TAGS) await tag(name, index.digest);
  for (const image of index.images) await tag(`1.0-${platformTag(image.platform)}`, image.digest);

  const dockerList = await pusher.pushIndex({
    docker: true,
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  await tag('0.9', dockerList.digest);
  for (const image of dockerList.images) await tag(`0.9-${platformTag(image.platform)}`, image.digest);

  const single = await pusher.pushImage({ platform: { os: 'linux', architecture: 'amd64' } });
  await tag('static', single.digest);
  await tag('static-1', single.digest);
  const singleDocker = await pusher.pushImage({ docker: true, platform: { os: 'linux', architecture: 's390x' } });
  await tag('s390x-only', singleDocker.digest);
  return { index, dockerList, single, singleDocker, tags };
}

/** `arm-v7`: how per-arch tags spell a platform (a tag cannot hold `/`). */
function platformTag(platform: Platform): string {
  return [platform.architecture, platform.variant].filter(Boolean).join('-');
}

function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The rows a table must have: one per digest, with every tag naming it, in digest order. */
export function expectedRows(pushed: TaggedPlatforms, template: 'default' | 'distroless'): ShownRow[] {
  const images = [...pushed.index.images, ...pushed.dockerList.images, pushed.single, pushed.singleDocker];
  const platformsOf = (digest: Digest): string[] => {
    const index = [pushed.index, pushed.dockerList].find((candidate) => candidate.digest === digest);
    const platforms = index ? index.images : images.filter((image) => image.digest === digest);
    assert.ok(platforms.length > 0, `nothing pushed as ${digest}`);
    if (template === 'default') return platforms.map((image) => `${platformName(image.platform)} ${image.digest}`);
    return [...new Set(platforms.map((image) => image.platform.architecture + (image.platform.variant ?? '')))].sort();
  };
  const byDigest = new Map<Digest, string[]>();
  for (const [tag, digest] of pushed.tags) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  return [...byDigest].map(([digest, tags]) => ({ tags: tags.sort(), digest, platforms: platformsOf(digest) })).sort(byDigestOrder);
}

/**
 * The rows of the README's tags table, read by column name as a person reads
 * them (not by readme-gen's own rule), in digest order.
 */
export function shownRows(markdown: string): ShownRow[] {
  // The default template's first table shows short digests; its full ones are in the table below it.
  const tables = [...walk(parseMarkdown(markdown))].filter((node): node is Table => node.type === 'table' && digestsShown(node).length > 0);
  assert.equal(tables.length, 1, 'one table of full digests in the README');
  const [header, ...body] = (tables[0] as Table).children;
  const names = (header?.children ?? []).map((cell) => codesAndText(cell).join(''));
  const column = (...candidates: string[]) => {
    const found = names.findIndex((name) => candidates.includes(name));
    assert.ok(found >= 0, `a column named ${candidates.join(' or ')} in ${JSON.stringify(names)}`);
    return found;
  };
  const [tagsColumn, digestColumn, platformsColumn] = [column('Tags', 'Tag'), column('Digest'), column('Platforms', 'Arch')];
  return body
    .map((row): ShownRow => {
      const cells = row.children;
      const [digest, ...rest] = codes(cells[digestColumn]);
      assert.ok(digest !== undefined && rest.length === 0, `one digest in the Digest cell: ${JSON.stringify(codes(cells[digestColumn]))}`);
      const platformCodes = codes(cells[platformsColumn]);
      // The default template pairs each platform with its manifest digest: `linux/arm64` `sha256:…`.
      const platforms = names[platformsColumn] === 'Platforms' ? pairs(platformCodes) : platformCodes;
      return { tags: codes(cells[tagsColumn]).sort(), digest, platforms };
    })
    .sort(byDigestOrder);
}

function pairs(values: string[]): string[] {
  assert.equal(values.length % 2, 0, `platform and digest pairs: ${JSON.stringify(values)}`);
  return values.flatMap((value, i) => (i % 2 === 0 ? [`${value} ${values[i + 1]}`] : []));
}

function codes(cell: TableCell | undefined): string[] {
  return cell ? [...walk(cell)].flatMap((node) => (node.type === 'inlineCode' ? [node.value] : [])) : [];
}

function codesAndText(cell: TableCell): string[] {
  return [...walk(cell)].flatMap((node) => (node.type === 'inlineCode' || node.type === 'text' ? [node.value] : []));
}

function byDigestOrder(a: ShownRow, b: ShownRow): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}
