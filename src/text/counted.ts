/** `1 README`, `2 READMEs`: a count with its noun in agreement, for every message that counts. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
