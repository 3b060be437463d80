import { createTwoFilesPatch } from 'diff';

/** A unified diff in git's form (a/ and b/ paths), empty when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 });
  // jsdiff opens with an "Index:" line and a ==== rule that git and patch(1) do not print.
  return patch.replace(/^Index: .*\n=+\n/, '');
}
