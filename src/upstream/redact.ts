// Masks secrets in any text that may reach a client, a log or the ledger: the config's known secrets,
// URL query credentials and passwords, and common provider key shapes.

const KEY_SHAPES = /\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{8,}|\b(AIza[0-9A-Za-z_-]{4})[0-9A-Za-z_-]{20,}/g;
const QUERY_SECRETS = /([?&](?:key|secret|api_key|apikey|token|access_token)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
/** The password of a URL's user info (`https://user:password@host`, `postgres://u:p@db`). */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]+@/gi;

export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '***' : `${secret.slice(0, 3)}***`;
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  return out
    .replace(KEY_SHAPES, (_m, a: string | undefined, b: string | undefined) => `${a ?? b}***`)
    .replace(QUERY_SECRETS, '$1***')
    .replace(URL_PASSWORD, '$1***@')
    .replace(BEARER, '$1***');
}

/** Removes URLs that point at upstream hosts from messages sent to clients. */
export function stripUrls(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>)]+/g, '<upstream-url>');
}
