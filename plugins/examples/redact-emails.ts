// Example plugin: masks email addresses in user messages before they reach any provider.
//   plugins: { redact-emails: { module: ./plugins/examples/redact-emails.ts } }
//   routes:  [{ path: /private, plugins: [redact-emails] }]      (or global_plugins: [redact-emails])
import { definePlugin, type CanonicalRequestView, type JsonValue } from '../../src/contracts/index.ts';

const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const mask = (v: JsonValue): JsonValue =>
  typeof v === 'string' ? v.replace(EMAIL, '[email]')
    : Array.isArray(v) ? v.map((part) => (part && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string' ? { ...part, text: mask(part.text) } : part))
    : v;

export default definePlugin({
  name: 'redact-emails',
  onCanonicalRequest(request: CanonicalRequestView): CanonicalRequestView | undefined {
    if (request.operation !== 'chat' || !Array.isArray(request.body.messages)) return undefined;
    const messages = request.body.messages.map((m) => (m && typeof m === 'object' && !Array.isArray(m) && m.role === 'user' && m.content !== undefined ? { ...m, content: mask(m.content) } : m));
    return { ...request, body: { ...request.body, messages } };
  },
});
