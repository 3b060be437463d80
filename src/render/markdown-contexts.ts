/**
 * Where in the Markdown a template writes each `{{x}}`, so that its value is
 * escaped by one rule per context. Handlebars knows only HTML and escapes every
 * `{{x}}` into entities: right in prose, a table cell, a link or an HTML block,
 * where Markdown decodes `&amp;` back to `&`; wrong in a code span or a fenced
 * block, where Markdown shows `&amp;` as it is. So before compiling, every
 * `{{x}}` that stands in a code span or a fence the template itself writes is
 * rewritten into a call of one of the helpers below, which writes the value as
 * code: exactly, or refused when it would end the code around it.
 */

/** Helper names no template can call: a template's own `{{@x}}` is a data variable, never a helper. */
export const IN_CODE_SPAN = '@in-code-span';
export const IN_FENCE = '@in-fence';

/** Where a `{{x}}` was written, as the hash its helper gets. */
export type CodeContext =
  { kind: 'span'; table: boolean; field?: string; at: string } | { kind: 'fence'; fence: string; field?: string; at: string };

interface LineState {
  /** The opening fence (```` ``` ```` or `~~~`…) of the fenced block we are in. */
  fence: string | undefined;
  /** The backtick run that opened the code span we are in. */
  span: string | undefined;
  /** The fence was opened on this line: its end does not close it. */
  fenceOpenedHere: boolean;
  /** Nothing but spaces written on this line yet. */
  lineStart: boolean;
  /** This line is a table row (it starts with `|`). */
  tableRow: boolean;
  /** The text written on this line so far, to recognise fences. */
  line: string;
}

const FIRST_LINE: LineState = { fence: undefined, fenceOpenedHere: false, span: undefined, lineStart: true, tableRow: false, line: '' };

/**
 * Rewrites, in place, each escaped `{{x}}` of `program` that stands inside a
 * code span or fenced block into a call of IN_CODE_SPAN or IN_FENCE. The
 * template's text is read in document order; both branches of an
 * `{{#if}}…{{else}}` start where the block starts, and what follows the block
 * continues from its first branch (the built-ins' branches all end where they
 * start). A partial starts on a line of its own.
 */
export function escapeByContext(program: hbs.AST.Program, template: string): void {
  walkProgram(program, FIRST_LINE, template);
}

function walkProgram(program: hbs.AST.Program, state: LineState, template: string): LineState {
  let current = state;
  program.body = program.body.map((statement) => {
    switch (statement.type) {
      case 'ContentStatement':
        current = advance(current, (statement as hbs.AST.ContentStatement).value);
        return statement;
      case 'MustacheStatement': {
        const mustache = statement as hbs.AST.MustacheStatement;
        const rewritten = inCode(mustache, current, template);
        // What the value writes is not known here; it is one placeholder character that is no backtick or line end.
        current = advance(current, 'x');
        return rewritten;
      }
      case 'BlockStatement':
      case 'DecoratorBlock': {
        const block = statement as hbs.AST.BlockStatement;
        const inline = statement.type === 'DecoratorBlock';
        const entry = inline ? FIRST_LINE : current;
        const after = walkProgram(block.program, { ...entry }, template);
        if (block.inverse) walkProgram(block.inverse, { ...entry }, template);
        if (!inline) current = after;
        return statement;
      }
      case 'PartialBlockStatement':
        // {{#> layout}}…{{/layout}}: the content is written where the partial puts it, most often in place.
        walkProgram((statement as hbs.AST.PartialBlockStatement).program, { ...current }, template);
        return statement;
      default:
        return statement;
    }
  });
  return current;
}

/** The state after `text` is written. */
function advance(state: LineState, text: string): LineState {
  const next = { ...state };
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === '\n') {
      endLine(next);
      continue;
    }
    if (next.lineStart && char !== ' ' && char !== '\t') {
      next.lineStart = false;
      if (next.fence === undefined) {
        const fence = /^ {0,3}(`{3,}|~{3,})/.exec(next.line + text.slice(index))?.[1];
        if (fence !== undefined) {
          next.fence = fence;
          next.fenceOpenedHere = true;
        } else if (char === '|') next.tableRow = true;
      }
    }
    next.line += char;
    if (next.fence !== undefined) continue;
    if (next.span === undefined && char === '\\') {
      next.line += text[index + 1] ?? '';
      index++; // an escaped backtick opens nothing
    } else if (char === '`') {
      const run = /^`+/.exec(text.slice(index))?.[0] ?? '`';
      index += run.length - 1;
      next.line += run.slice(1);
      if (next.span === undefined) next.span = run;
      else if (run === next.span) next.span = undefined;
    }
  }
  return next;
}

function endLine(state: LineState): void {
  const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(state.line)?.[1];
  const { fence } = state;
  if (fence !== undefined && !state.fenceOpenedHere && closing !== undefined && closing[0] === fence[0] && closing.length >= fence.length)
    state.fence = undefined;
  state.fenceOpenedHere = false;
  // A code span the line left open is no code span: the template's backtick was a literal one.
  state.span = undefined;
  state.lineStart = true;
  state.tableRow = false;
  state.line = '';
}

function inCode(mustache: hbs.AST.MustacheStatement, state: LineState, template: string): hbs.AST.MustacheStatement {
  if (!mustache.escaped) return mustache;
  const context =
    state.fence !== undefined
      ? ({ kind: 'fence', fence: state.fence } as const)
      : state.span !== undefined
        ? ({ kind: 'span', table: state.tableRow } as const)
        : undefined;
  if (context === undefined) return mustache;
  const { loc } = mustache;
  const plain = mustache.params.length === 0 && mustache.hash === undefined;
  const value: hbs.AST.Expression = plain
    ? mustache.path
    : ({ type: 'SubExpression', path: mustache.path, params: mustache.params, hash: mustache.hash, loc } as hbs.AST.SubExpression);
  const literal = (key: string, literalValue: string | boolean): hbs.AST.HashPair => ({
    type: 'HashPair',
    key,
    value:
      typeof literalValue === 'string'
        ? ({ type: 'StringLiteral', value: literalValue, original: literalValue, loc } as hbs.AST.StringLiteral)
        : ({ type: 'BooleanLiteral', value: literalValue, original: literalValue, loc } as hbs.AST.BooleanLiteral),
    loc,
  });
  const field = plain && mustache.path.type === 'PathExpression' ? (mustache.path as hbs.AST.PathExpression).original : undefined;
  const pairs = [
    literal('at', `${template}, line ${loc.start.line}:${loc.start.column}`),
    ...(context.kind === 'fence' ? [literal('fence', context.fence)] : [literal('table', context.table)]),
    ...(field === undefined ? [] : [literal('field', field)]),
  ];
  const helper = context.kind === 'fence' ? IN_FENCE : IN_CODE_SPAN;
  return {
    ...mustache,
    path: { type: 'PathExpression', data: false, depth: 0, parts: [helper], original: helper, loc },
    params: [value],
    hash: { type: 'Hash', pairs, loc },
  };
}
