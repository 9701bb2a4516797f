// The user turn of an Anthropic request in the canonical form: tool_result blocks become role 'tool' messages
// (first, in order), the remaining text, image, document and search_result blocks one user message. Images
// inside a tool_result move to that user message (an OpenAI tool message cannot carry them); is_error results
// are prefixed "Error: " and flagged. Documents and search results become text for other upstreams
// (blocks.ts); a tool_result or user turn an Anthropic upstream would not get back from the canonical text
// keeps its blocks as sent (anthropic_tool_result, anthropic_content; src/contracts/anthropic-blocks.ts).

import { toolErrorText } from '../../contracts/index.ts';
import type { AnthropicToolResult, ChatMessage, ContentPart, JsonObject } from '../../contracts/index.ts';
import { documentText, searchResultText } from './blocks.ts';
import { type Obj, bad, imagePart, isObj, str, unsupportedBlock, withCache } from './input-checks.ts';
import { decodeToolUseId } from './tool-ids.ts';

export function convertUser(blocks: unknown[], param: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  let keepBlocks = false; // the turn needs anthropic_content (a document, a search result or a moved image)
  blocks.forEach((b, i) => {
    const p = `${param}[${i}]`;
    if (!isObj(b)) bad(p, `\`${p}\` must be a content block object`);
    switch (b.type) {
      case 'text': parts.push(withCache({ type: 'text', text: str(b.text, `${p}.text`) }, b, p)); break;
      case 'image': parts.push(withCache(imagePart(b.source, `${p}.source`), b, p)); break;
      case 'document': parts.push(withCache({ type: 'text', text: documentText(b, p) }, b, p)); keepBlocks = true; break;
      case 'search_result': parts.push(withCache({ type: 'text', text: searchResultText(b, p) }, b, p)); keepBlocks = true; break;
      case 'tool_result': {
        const before = parts.length;
        toolMessages.push(toolResult(b, p, parts));
        if (parts.length > before) keepBlocks = true;
        break;
      }
      default: unsupportedBlock(b.type, p, 'user');
    }
  });
  if (parts.length === 0) return toolMessages;
  const only = parts.length === 1 && parts[0].type === 'text' && !parts[0].cache_control ? (parts[0] as { text: string }).text : undefined;
  const user: ChatMessage = { role: 'user', content: only ?? parts };
  // Checked above; sent as they are to Anthropic upstreams (the tool_result blocks ride on the tool messages).
  if (keepBlocks) user.anthropic_content = (blocks as Obj[]).filter((b) => b.type !== 'tool_result') as JsonObject[];
  return [...toolMessages, user];
}

function toolResult(b: Obj, p: string, trailingParts: ContentPart[]): ChatMessage {
  const id = decodeToolUseId(str(b.tool_use_id, `${p}.tool_use_id`)).id;
  let text = '';
  let breakpoint: Obj = b;
  let keep = b.cache_control != null; // anything an Anthropic upstream would not get back from the canonical text
  const content = b.content;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    const texts: string[] = [];
    content.forEach((c, j) => {
      const cp = `${p}.content[${j}]`;
      if (!isObj(c)) bad(cp, `\`${cp}\` must be a content block object`);
      if (c.cache_control != null) {
        keep = true;
        if (b.cache_control == null) breakpoint = c;
      }
      switch (c.type) {
        case 'text':
          texts.push(str(c.text, `${cp}.text`));
          if (c.citations != null) keep = true;
          break;
        case 'image': trailingParts.push(imagePart(c.source, `${cp}.source`)); keep = true; break;
        case 'document': texts.push(documentText(c, cp)); keep = true; break;
        case 'search_result': texts.push(searchResultText(c, cp)); keep = true; break;
        default: unsupportedBlock(c.type, cp, 'tool_result');
      }
    });
    text = texts.join('\n');
  } else if (content !== undefined && content !== null) {
    bad(`${p}.content`, `\`${p}.content\` must be a string or an array of text, image, document or search_result blocks`);
  }
  const failed = b.is_error === true;
  if (failed) text = toolErrorText(text);
  // A breakpoint on the result (or inside it) stays on its text, so the cached prefix ends where the client put it.
  const msg: ChatMessage = breakpoint.cache_control != null
    ? { role: 'tool', tool_call_id: id, content: [withCache({ type: 'text', text }, breakpoint, p)] }
    : { role: 'tool', tool_call_id: id, content: text };
  if (failed) msg.is_error = true;
  if (keep) {
    // Checked above (cache_control by withCache); an Anthropic upstream gets them exactly as sent.
    const original: AnthropicToolResult = {};
    if (content !== undefined && content !== null) original.content = content as string | JsonObject[];
    if (b.cache_control != null) original.cache_control = b.cache_control as JsonObject;
    original.text = text;
    msg.anthropic_tool_result = original;
  }
  return msg;
}
