// Which parts of a provider's config are credentials: collected once per compile so plugin hooks can be
// given views of upstream requests without them (src/pipeline/upstream-hooks.ts).

/** Header names that carry credentials, whatever their value. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie']);

/** Every secret value of a provider block (keys, secrets, tokens, credential headers), longest first. */
export function providerCredentials(view: { apiKey?: string; headers: Readonly<Record<string, string>>; options: Readonly<Record<string, unknown>> }): string[] {
  const out = new Set<string>();
  // Values shorter than 6 characters would match ordinary text.
  const add = (v: unknown) => { if (typeof v === 'string' && v.length >= 6) out.add(v); };
  add(view.apiKey);
  for (const [name, value] of Object.entries(view.options)) if (/key|secret|token|password|credential/i.test(name) && name !== 'headers') add(value);
  for (const [name, value] of Object.entries(view.headers)) if (CREDENTIAL_HEADERS.has(name.toLowerCase()) || /auth|key|token|secret|cookie|signature/i.test(name)) add(value);
  return [...out].sort((a, b) => b.length - a.length);
}
