// Example custom adapter for a made-up vendor, Acme: POST {base_url}/generate {prompt, max_new_tokens}
// → {output, tokens_in, tokens_out}. Chat only; Acme cannot stream, so the gateway emulates streams.
//   providers: { acme: { adapter: ./adapters/examples/acme.ts, base_url: https://acme.example, api_key: ${ACME_KEY}, models: [acme-1] } }
import { defineAdapter, errorFromUpstreamStatus, errors, upstreamMessage, type ChatMessage } from '../../src/contracts/index.ts';

const text = (m: ChatMessage) => (typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join(''));

export default defineAdapter({
  id: 'acme',
  // Acme needs only the common fields (base_url, api_key); a field of its own would be declared here.
  providerOptionsSchema: { type: 'object', properties: {} },
  streamMode: 'emulate',
  supports: (operation) => operation === 'chat',
  buildRequest: (req, provider) => ({
    url: `${provider.baseUrl}/generate`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${provider.apiKey ?? ''}` },
    body: JSON.stringify({
      prompt: (req.body.messages as unknown as ChatMessage[]).map((m) => `${m.role}: ${text(m)}`).join('\n') + '\nassistant:',
      max_new_tokens: req.body.max_tokens ?? 256,
    }),
  }),
  decodeResponse: (reply, req, provider) => {
    const out = JSON.parse(reply.text) as { output?: unknown; tokens_in?: number; tokens_out?: number };
    if (typeof out.output !== 'string') throw errors.upstreamInvalid(provider.name, 'no output');
    const usage = { prompt_tokens: out.tokens_in ?? 0, completion_tokens: out.tokens_out ?? 0, total_tokens: (out.tokens_in ?? 0) + (out.tokens_out ?? 0) };
    const body = { id: `acme-${Date.now()}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: req.upstreamModel, choices: [{ index: 0, message: { role: 'assistant', content: out.output }, finish_reason: 'stop' }], usage };
    return { body, usage };
  },
  decodeError: (reply, provider) => errorFromUpstreamStatus(provider.name, reply.status, upstreamMessage(reply.text)),
});
