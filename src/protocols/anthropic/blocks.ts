// The Anthropic surface's document and search_result blocks (in user turns and tool_result content): shape
// checks, and the text other upstreams get in their place. The blocks themselves reach Anthropic upstreams as
// sent (src/contracts/anthropic-blocks.ts). Checked only as far as the gateway relies on them: a document's
// source type (Files API `file` sources are refused, as file images are: they name files on the operator's
// account), a search result's source, title and text blocks. Anthropic decides on the rest.

import { documentPlaceholder } from '../../contracts/index.ts';
import { type Obj, bad, isObj } from './input-checks.ts';

/** Document source types the surface takes (Anthropic's base64 PDF, URL PDF, plain text and custom content). */
const DOCUMENT_SOURCES = new Set(['base64', 'url', 'text', 'content']);

/** A document block, checked; the placeholder text other upstreams get for it. */
export function documentText(b: Obj, p: string): string {
  const source = b.source;
  if (!isObj(source) || typeof source.type !== 'string') bad(`${p}.source`, `\`${p}.source\` must be a document source object with a "type"`);
  if (!DOCUMENT_SOURCES.has(source.type)) {
    bad(`${p}.source.type`, `\`${p}.source.type\` ${JSON.stringify(source.type)} is not supported; send "base64", "url", "text" or "content"`);
  }
  if (b.title !== undefined && b.title !== null && typeof b.title !== 'string') bad(`${p}.title`, `\`${p}.title\` must be a string`);
  return documentPlaceholder(b);
}

/** A search_result block, checked; as text for other upstreams: its title, source and text. */
export function searchResultText(b: Obj, p: string): string {
  if (typeof b.source !== 'string') bad(`${p}.source`, `\`${p}.source\` must be a string`);
  if (typeof b.title !== 'string') bad(`${p}.title`, `\`${p}.title\` must be a string`);
  if (!Array.isArray(b.content)) bad(`${p}.content`, `\`${p}.content\` must be an array of text blocks`);
  const texts = b.content.map((c, i) => {
    if (!isObj(c) || c.type !== 'text' || typeof c.text !== 'string') bad(`${p}.content[${i}]`, `\`${p}.content[${i}]\` must be a text block ({"type":"text","text":...})`);
    return c.text;
  });
  return `${b.title} (${b.source})\n${texts.join('\n')}`;
}
