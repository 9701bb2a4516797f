// parseDocument from the `yaml` library, driven token by token so that a large file does not hold the
// event loop for the whole parse: every few thousand tokens the loop runs queued work (/health, API
// requests). Lexing and parsing are most of the cost; composing the document stays one step.
// Options match what the loader needs: positions via `lines`, no pretty errors, and no library
// duplicate-key check (it is quadratic in the size of a map; yaml-source.ts checks in linear time).

import { Composer, LineCounter, Lexer, Parser, YAMLParseError, type Document, type YAMLError } from 'yaml';

const TOKENS_PER_SLICE = 20_000;

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function parseYielding(text: string, lines: LineCounter): Promise<Document.Parsed> {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens = [];
  let count = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (++count % TOKENS_PER_SLICE === 0) await breathe();
  }
  for (const token of parser.end()) tokens.push(token);
  await breathe();
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; a config is one document'));
      break;
    }
  }
  return doc!;
}

/** Flow sequence / mapping never closed: the library reports it as BAD_INDENT (nested) or MISSING_CHAR. */
const UNCLOSED = /^Flow (sequence|map|mapping)\b.*end with a ([\]}])$/;

/**
 * A YAML error as the loader words it: `YAML <code>: <first line>`, except an unclosed `[` or `{`, which
 * says so (the library calls it a bad indent, but the fix is the missing bracket).
 */
export function yamlMessage(err: YAMLError): string {
  const first = err.message.split('\n')[0] ?? '';
  const unclosed = UNCLOSED.exec(first);
  if (unclosed) {
    const [open, close] = unclosed[2] === ']' ? ['[', ']'] : ['{', '}'];
    return `YAML syntax: a flow ${unclosed[1] === 'sequence' ? 'sequence' : 'mapping'} opened with "${open}" is not closed: missing "${close}" (or a continuation line is not indented enough)`;
  }
  return `YAML ${err.code.toLowerCase().replace(/_/g, ' ')}: ${first}`;
}
