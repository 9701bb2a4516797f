// Shape checks shared by the Anthropic surface's request translation (to-canonical.ts, user-turn.ts,
// thinking.ts, extras.ts, blocks.ts): one error shape (400 invalid_value naming the field, "Invalid request to the
// gateway's Anthropic Messages API: ..."), strings, cache_control breakpoints, image sources, unsupported blocks.

import { errors } from '../../contracts/index.ts';
import type { CacheControl, ContentPart } from '../../contracts/index.ts';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function bad(param: string, message: string): never {
  throw errors.invalidValue(param, `Invalid request to the gateway's Anthropic Messages API: ${message}.`);
}

export function str(v: unknown, param: string): string {
  if (typeof v !== 'string') bad(param, `\`${param}\` must be a string`);
  return v;
}

/** Copies a block's cache_control ({type:"ephemeral", ttl?}) onto its canonical counterpart. */
export function withCache<T extends object>(target: T, block: Obj, param: string): T {
  const cc = block.cache_control;
  if (cc === undefined || cc === null) return target;
  if (!isObj(cc) || typeof cc.type !== 'string' || (cc.ttl !== undefined && typeof cc.ttl !== 'string')) {
    bad(`${param}.cache_control`, `\`${param}.cache_control\` must be {"type":"ephemeral"} with an optional "ttl" ("5m" or "1h")`);
  }
  const out: CacheControl = { type: cc.type };
  if (typeof cc.ttl === 'string') out.ttl = cc.ttl;
  return Object.assign(target, { cache_control: out });
}

export function imagePart(source: unknown, param: string): ContentPart {
  if (!isObj(source)) bad(param, `\`${param}\` must be an image source object`);
  if (source.type === 'base64') {
    const mediaType = str(source.media_type, `${param}.media_type`);
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${str(source.data, `${param}.data`)}` } };
  }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: str(source.url, `${param}.url`) } };
  bad(`${param}.type`, `Image source type ${JSON.stringify(source.type ?? null)} is not supported; send "base64" or "url"`);
}

export function unsupportedBlock(type: unknown, param: string, where: string): never {
  bad(`${param}.type`, `Content block type ${JSON.stringify(type ?? null)} is not supported in ${where} content by this gateway; use text, image, document, search_result, tool_use, tool_result, thinking or redacted_thinking blocks`);
}
