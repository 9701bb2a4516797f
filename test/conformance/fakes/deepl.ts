// A strict fake of DeepL's POST /v2/translate (JSON form), from the DeepL API reference: `text` and
// `target_lang` required, a supported target language, only documented fields, the key in an
// `Authorization: DeepL-Auth-Key <key>` header. Answers {translations: [{detected_source_language,
// text, billed_characters (when asked)}]}; errors are DeepL's {"message"} bodies (403 for a bad key).

import { arr, bool, check, obj, str } from './spec.ts';
import { type StrictFake, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

export const TARGETS = ['AR', 'BG', 'CS', 'DA', 'DE', 'EL', 'EN', 'EN-GB', 'EN-US', 'ES', 'ES-419', 'ET', 'FI', 'FR', 'HE', 'HU', 'ID', 'IT', 'JA', 'KO', 'LT', 'LV', 'NB', 'NL', 'PL', 'PT', 'PT-BR', 'PT-PT', 'RO', 'RU', 'SK', 'SL', 'SV', 'TH', 'TR', 'UK', 'VI', 'ZH', 'ZH-HANS', 'ZH-HANT'];

export const DEEPL_TRANSLATE_REQUEST = obj({
  'text!': arr(str(), 1), 'target_lang!': str({ enum: TARGETS }), source_lang: str(), context: str(), show_billed_characters: bool,
  split_sentences: str({ enum: ['0', '1', 'nonewlines'] }), preserve_formatting: bool, formality: str({ enum: ['default', 'more', 'less', 'prefer_more', 'prefer_less'] }),
  model_type: str(), glossary_id: str(), tag_handling: str({ enum: ['xml', 'html'] }), outline_detection: bool, non_splitting_tags: arr(str()), splitting_tags: arr(str()), ignore_tags: arr(str()),
});

export function deeplError(status: number, message: string): Response {
  return new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json' } });
}

/** A translation reply that echoes the text in brackets, with billed_characters when asked. */
export function translation(text: string, target: string, billed: boolean) {
  const t: Record<string, unknown> = { detected_source_language: 'EN', text: `[${target}] ${text}` };
  if (billed) t.billed_characters = Array.from(text).length;
  return { translations: [t] };
}

export function startDeepLFake(opts: { apiKey: string; clientKey: string }): StrictFake {
  return startStrictFake({
    name: 'deepl',
    validate: (incoming) => {
      if (incoming.method !== 'POST' || incoming.url.pathname !== '/v2/translate') return [`404 unknown endpoint ${incoming.method} ${incoming.url.pathname}`];
      if (incoming.headers.get('authorization') !== `DeepL-Auth-Key ${opts.apiKey}`) return ['401 Authorization failed. Please supply a valid auth_key parameter.'];
      return [...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey), ...check(incoming.body, DEEPL_TRANSLATE_REQUEST)];
    },
    errorResponse: (status, message) => deeplError(status === 401 ? 403 : status, message),
    isStream: () => false,
    defaultTurn: {
      respond: (incoming) => {
        const body = incoming.body as { text: string[]; target_lang: string; show_billed_characters?: boolean };
        return new Response(JSON.stringify(translation(body.text[0], body.target_lang, body.show_billed_characters === true)), { headers: { 'content-type': 'application/json' } });
      },
    },
  });
}
