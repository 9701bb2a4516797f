// Inbound Gemini API protocol (generateContent, streamGenerateContent, countTokens, models): pure
// translators between Gemini's wire format and the gateway's canonical chat shapes.
export { geminiToCanonical, countTokensMessages } from './to-canonical.ts';
export { canonicalToGemini, geminiUsage } from './from-canonical.ts';
export { GeminiStreamEncoder } from './stream-encoder.ts';
export { geminiErrorFromGateway, geminiStatusName } from './errors.ts';
export { jsonSchemaFromGemini } from './schema.ts';
