// Inbound Anthropic Messages protocol: pure translators between Anthropic's wire format (what Claude Code
// and @anthropic-ai/sdk send to POST /v1/messages) and the gateway's canonical OpenAI chat shapes.
export * from './wire-types.ts';
export { anthropicToCanonical, countTokensRequest } from './to-canonical.ts';
export { anthropicMessageId, anthropicUsage, canonicalToAnthropic, countTokensResponse, stopReasonFromFinish, toolInput } from './from-canonical.ts';
export { AnthropicStreamEncoder, encodeSseEvent } from './stream-encoder.ts';
export type { AnthropicStreamEncoderOptions, StreamFailure } from './stream-encoder.ts';
export { anthropicErrorBody, anthropicErrorFromGateway, anthropicErrorType } from './errors.ts';
