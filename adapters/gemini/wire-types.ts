// Gemini API (generativelanguage.googleapis.com, v1beta) wire shapes used by this adapter: the
// GenerateContentRequest / GenerateContentResponse of models.generateContent and
// models.streamGenerateContent (each SSE event is one GenerateContentResponse), and
// models.batchEmbedContents. Field names follow the REST reference (lowerCamelCase JSON).

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';

/** Blob: raw bytes (base64) inline in the request. */
export interface GeminiBlob {
  mimeType: string;
  data: string;
}

/** FileData: a URI-referenced file (Files API URI or a public URL). */
export interface GeminiFileData {
  mimeType?: string;
  fileUri: string;
}

export interface GeminiFunctionCall {
  /** Present on some API versions; the adapter generates its own OpenAI ids. */
  id?: string;
  name: string;
  args?: JsonObject;
}

export interface GeminiFunctionResponse {
  id?: string;
  name: string;
  /** Must be a JSON object (google.protobuf.Struct). */
  response: JsonObject;
}

/**
 * Part: exactly one data field (text, inlineData, fileData, functionCall, functionResponse, ...)
 * plus metadata siblings. `thoughtSignature` is a sibling of the data field, not nested inside it.
 */
export interface GeminiPart {
  text?: string;
  /** True for a thought-summary part (only returned with thinkingConfig.includeThoughts). */
  thought?: boolean;
  /** Opaque base64 signature that must be sent back exactly as received. */
  thoughtSignature?: string;
  inlineData?: GeminiBlob;
  fileData?: GeminiFileData;
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
  [field: string]: JsonValue | GeminiBlob | GeminiFileData | GeminiFunctionCall | GeminiFunctionResponse | undefined;
}

export type GeminiRole = 'user' | 'model';

export interface GeminiContent {
  role?: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** A Schema object (select subset of OpenAPI 3.0). Omitted for parameter-less functions. */
  parameters?: JsonObject;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

export interface GeminiToolConfig {
  functionCallingConfig: {
    mode: GeminiFunctionCallingMode;
    /** Only with mode ANY: restrict the call to these functions. */
    allowedFunctionNames?: string[];
  };
}

export interface GeminiGenerationConfig {
  stopSequences?: string[];
  responseMimeType?: string;
  responseSchema?: JsonObject;
  candidateCount?: number;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Gemini 2.5: thinkingBudget (tokens); Gemini 3: thinkingLevel ('low' | 'high'). */
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
}

export interface GeminiSafetySetting {
  category: string;
  threshold: string;
}

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  safetySettings?: GeminiSafetySetting[];
}

/** Candidate.FinishReason (STOP, MAX_TOKENS, SAFETY, RECITATION, LANGUAGE, OTHER, BLOCKLIST, ...). */
export type GeminiFinishReason = string;

export interface GeminiCandidate {
  index?: number;
  content?: GeminiContent;
  finishReason?: GeminiFinishReason;
  finishMessage?: string;
  safetyRatings?: JsonValue[];
}

export interface GeminiPromptFeedback {
  /** BLOCK_REASON_UNSPECIFIED, SAFETY, OTHER, BLOCKLIST, PROHIBITED_CONTENT, IMAGE_SAFETY. */
  blockReason?: string;
  blockReasonMessage?: string;
  safetyRatings?: JsonValue[];
}

export interface GeminiUsageMetadata {
  /** Whole prompt, including cached content. */
  promptTokenCount?: number;
  /** Prompt tokens served from cached content (a subset of promptTokenCount). */
  cachedContentTokenCount?: number;
  /** Output tokens across all candidates (excluding thoughts). */
  candidatesTokenCount?: number;
  /** Tokens in tool-use prompts (e.g. code execution, search results). */
  toolUsePromptTokenCount?: number;
  /** Thinking tokens of thinking models. */
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: GeminiPromptFeedback;
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** Errors can also arrive inside a 2xx stream as an event carrying this field. */
  error?: GeminiErrorBody['error'];
}

/** google.rpc.Status as JSON. */
export interface GeminiErrorBody {
  error: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; reason?: string; [k: string]: JsonValue | undefined }>;
  };
}

export interface GeminiEmbedContentRequest {
  /** `models/<model>`. */
  model: string;
  content: GeminiContent;
  taskType?: string;
  title?: string;
  outputDimensionality?: number;
}

export interface GeminiBatchEmbedContentsRequest {
  requests: GeminiEmbedContentRequest[];
}

export interface GeminiBatchEmbedContentsResponse {
  embeddings?: Array<{ values?: number[] }>;
}
