// Conversation state of the Responses surface: previous_response_id expands to the stored conversation
// (every earlier turn's input items and output, oldest first), input items get ids for
// GET /v1/responses/{id}/input_items, and the items sent to a native upstream are made stateless
// (the gateway is the store: upstreams get store:false, so ids they never issued are removed, and so are
// the SDK's client-side parse results).

import type { JsonObject } from '../../contracts/canonical.ts';
import { GatewayError } from '../../contracts/errors.ts';
import type { ResponseStore } from '../../store/responses-repo.ts';
import { itemId } from './from-canonical.ts';
import { isSignedReasoning } from './signed-reasoning.ts';
import type { ResponseObject, ResponsesInputItem } from './wire-types.ts';

const MAX_CHAIN = 1000;

export function notFound(id: string, param?: string): GatewayError {
  return new GatewayError({
    status: 404, type: 'invalid_request_error', code: param ? 'previous_response_not_found' : 'not_found', param: param ?? null,
    message: `No response with id "${id}" is stored for your key on this gateway (responses made with store: false, deleted, or made with another key cannot be used).`,
  });
}

/** The stored conversation up to and including response `id`, oldest first. */
export async function conversationBefore(store: ResponseStore | undefined, id: string, keyName: string): Promise<ResponsesInputItem[]> {
  if (!store) throw notFound(id, 'previous_response_id');
  const turns: ResponsesInputItem[][] = [];
  let next: string | null = id;
  while (next) {
    if (turns.length >= MAX_CHAIN) throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'previous_response_id', message: `The conversation is longer than ${MAX_CHAIN} responses; start a new one.` });
    const row = await store.get(next, keyName);
    if (!row) throw notFound(next, 'previous_response_id');
    const response = JSON.parse(row.responseJson) as ResponseObject;
    turns.push([...(JSON.parse(row.inputJson) as ResponsesInputItem[]), ...(response.output as ResponsesInputItem[])]);
    next = row.previousResponseId;
  }
  return turns.reverse().flat();
}

/** Input items as OpenAI lists them: with ids, message content as parts. */
export function withIds(items: ResponsesInputItem[], responseId: string): ResponsesInputItem[] {
  return items.map((item, i) => {
    const type = item.type ?? 'message';
    const out: JsonObject = { ...item, type };
    if (typeof out.id !== 'string') out.id = itemId(type === 'message' ? 'msg' : 'item', responseId, 500 + i);
    if (type === 'message' && typeof item.content === 'string') {
      out.content = [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }];
    }
    if (type === 'message' && out.status === undefined) out.status = 'completed';
    return out as ResponsesInputItem;
  });
}

function withoutParsed(part: JsonObject): JsonObject {
  const copy = { ...part };
  delete copy.parsed;
  return copy;
}

/** Items for a native upstream called with store:false: no ids it never issued; reasoning only with OpenAI's encrypted content. */
export function statelessItems(items: ResponsesInputItem[]): ResponsesInputItem[] {
  const out: ResponsesInputItem[] = [];
  for (const item of items) {
    if (item.type === 'reasoning') {
      // Our own encrypted_content (a Claude answer's signed thinking) means nothing to OpenAI: left out.
      if (typeof item.encrypted_content === 'string' && item.encrypted_content && !isSignedReasoning(item.encrypted_content)) out.push({ ...item, summary: item.summary ?? [] });
      continue;
    }
    if (item.type === 'item_reference') continue;
    const copy = { ...item };
    delete copy.id;
    delete copy.parsed_arguments; // added by the openai SDK's parse helpers, not an API field
    if (Array.isArray(copy.content)) copy.content = copy.content.map((p) => (p && typeof p === 'object' && !Array.isArray(p) && 'parsed' in p ? withoutParsed(p) : p));
    if (copy.type === 'message' && copy.role !== 'assistant') delete copy.status;
    out.push(copy);
  }
  return out;
}
