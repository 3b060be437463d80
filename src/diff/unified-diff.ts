import { createTwoFilesPatch } from 'diff';

/** A unified diff in git's form (a/ and b/ paths), empty when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 });
  // jsdiff may open with an "Index:" line and opens with a ==== rule; git and patch(1) print neither.
  return patch.replace(/^(?:Index: .*\n)?=+\n/, '');
}
