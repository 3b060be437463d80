import type Handlebars from 'handlebars';
import { InputError } from '../errors.js';
import { inlineCode, markdownLink } from '../markdown/markdown-escape.js';
import type { PlatformView, TagRowView } from './view-model.js';

/**
 * The tags tables' cells, each a helper taking the row (`{{platformList this}}`
 * inside `{{#each rows}}`), so that a template's row reads as its columns and
 * a column moves as one word. Every cell is one line of GFM with no `|` of its
 * own: a value cannot break the table.
 */
export function registerCellHelpers(handlebars: typeof Handlebars): void {
  const cell = (name: string, format: (row: TagRowView) => string) =>
    handlebars.registerHelper(name, (row: unknown) => new handlebars.SafeString(format(asRow(row, name))));
  cell('platformList', platformList);
  cell('sizeRange', sizeRange);
  cell('updatedOn', updatedOn);
  cell('signedMark', signedMark);
  cell('logEntry', logEntry);
  cell('attestedMark', attestedMark);
  cell('platformDigests', platformDigests);
}

/** `amd64` `arm64` `arm/v7`: every platform on one line. */
function platformList(row: TagRowView): string {
  return row.platformNames.map(inlineCode).join(' ');
}

/** The compressed size, one number when the platforms agree to the digit shown, else the smallest–largest range; — when unknown. */
function sizeRange(row: TagRowView): string {
  const sizes = row.platforms.flatMap((platform) => platform.size ?? []);
  if (sizes.length === 0) return '—';
  const [min, max] = [Math.min(...sizes), Math.max(...sizes)];
  const unit = sizeUnit(max);
  const [low, high] = [scaled(min, unit), scaled(max, unit)];
  // A narrow column would wrap after the dash or before the unit; word joiners and a no-break space keep the size on one line.
  return low === high ? `${high}\u00a0${unit.name}` : `${low}\u2060–\u2060${high}\u00a0${unit.name}`;
}

/** Decimal units, as registries and Docker Hub show compressed sizes. */
const UNITS = [
  { name: 'GB', bytes: 1e9 },
  { name: 'MB', bytes: 1e6 },
  { name: 'kB', bytes: 1e3 },
  { name: 'B', bytes: 1 },
] as const;

function sizeUnit(bytes: number): (typeof UNITS)[number] {
  return UNITS.find((unit) => bytes >= unit.bytes) ?? UNITS[3];
}

/** Two significant digits, or the whole number: 2.4, 24, 240. */
function scaled(bytes: number, unit: (typeof UNITS)[number]): string {
  const value = bytes / unit.bytes;
  return value >= 10 || unit.bytes === 1 ? String(Math.round(value)) : value.toFixed(1);
}

/** The date, with `(signed)` when it is the signature's log time rather than the image's own creation time. */
function updatedOn(row: TagRowView): string {
  if (!row.updated) return '—';
  return row.updated.source === 'created' ? row.updated.date : `${row.updated.date} (signed)`;
}

/** ✔ linked to the first log entry that has a page, ✔ alone when none has; **unverified** or — otherwise. */
function signedMark(row: TagRowView): string {
  if (row.verified) {
    const url = row.rekorEntries.find((entry) => entry.url !== undefined)?.url;
    return url === undefined ? '✔' : markdownLink('✔', url);
  }
  return row.signed ? '**unverified**' : '—';
}

/** Every log entry of the row's verified signatures, linked where a page shows it; what stands instead when there is none. */
function logEntry(row: TagRowView): string {
  if (row.verified) {
    if (row.rekorEntries.length === 0) return 'signed, not logged';
    return row.rekorEntries
      .map((entry) => (entry.url === undefined ? inlineCode(entry.name) : markdownLink(entry.name, entry.url)))
      .join('<br/>');
  }
  return row.signed ? '**unverified**' : 'unsigned';
}

/** `provenance` and `SBOM`, one a line, each `(unsigned)` when only BuildKit's unsigned one vouches for it; — when neither. */
function attestedMark(row: TagRowView): string {
  const marks = [
    ...(row.provenance ? [row.provenance === 'signed' ? 'provenance' : 'provenance (unsigned)'] : []),
    ...(row.sbom ? [row.sbom === 'signed' ? 'SBOM' : 'SBOM (unsigned)'] : []),
  ];
  return marks.length === 0 ? '—' : marks.join('<br/>');
}

/** Each platform with its own manifest digest and compressed size, one a line. */
function platformDigests(row: TagRowView): string {
  return row.platforms.map(platformDigest).join('<br/>');
}

function platformDigest(platform: PlatformView): string {
  const parts = [inlineCode(platform.name)];
  if (platform.digest !== undefined) parts.push(inlineCode(platform.digest));
  if (platform.size !== undefined) parts.push(`${scaled(platform.size, sizeUnit(platform.size))} ${sizeUnit(platform.size).name}`);
  return parts.join(' ');
}

function asRow(value: unknown, helper: string): TagRowView {
  const row = value as Partial<TagRowView> | null;
  if (typeof row !== 'object' || row === null || typeof row.digest !== 'string' || !Array.isArray(row.platforms)) {
    throw new InputError(`the ${helper} helper takes a row of the tags table: {{${helper} this}} inside {{#each rows}}`);
  }
  return row as TagRowView;
}
