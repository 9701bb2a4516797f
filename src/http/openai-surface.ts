// The OpenAI protocol surface: answers pass through in the OpenAI shape; streams use OpenAI framing.

import type { Surface } from '../pipeline/serve-call.ts';
import { openAIEncoder } from '../stream/encoders.ts';

export const openAISurface: Surface = {
  name: 'openai',
  streamEncoder: (call) => openAIEncoder(call.includeUsage, call.operation === 'completions' ? 'text_completion' : 'chat.completion.chunk'),
};
