// Masks secrets in any text that may reach a client, a log or the ledger: the config's known secrets,
// URL query credentials and passwords, and common provider key shapes.

const KEY_SHAPES = /\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{8,}|\b(AIza[0-9A-Za-z_-]{4})[0-9A-Za-z_-]{20,}/g;
const QUERY_SECRETS = /([?&](?:key|secret|api_key|apikey|token|access_token)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
/** The password of a URL's user info (`https://user:password@host`, `postgres://u:p@db`). */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]+@/gi;
/** The same without a scheme (`user:password@host`, as some vendors echo a connection string). */
const BARE_PASSWORD = /(\b[\w.%-]+:)[^\s/?#@:]+@(?=[\w-]+(?:\.[\w-]+)*)/g;

/** Vendor key schemes: a prefix that names the kind of key and carries none of its secret. */
const KEY_SCHEME = /^(?:sk-ant-|sk-proj-|sk-|AIza|gsk_|xai-|pplx-|hf_|r8_)/;

/** A secret as it may be shown: its vendor scheme when it has one (`sk-***`), nothing of it otherwise. */
export function maskSecret(secret: string): string {
  const scheme = secret.length > 12 ? KEY_SCHEME.exec(secret)?.[0] : undefined;
  return scheme ? `${scheme}***` : '***';
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  return out
    .replace(KEY_SHAPES, (_m, a: string | undefined, b: string | undefined) => `${a ?? b}***`)
    .replace(QUERY_SECRETS, '$1***')
    .replace(URL_PASSWORD, '$1***@')
    .replace(BARE_PASSWORD, '$1***@')
    .replace(BEARER, '$1***');
}

/** Removes URLs that point at upstream hosts from messages sent to clients. */
export function stripUrls(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>)]+/g, '<upstream-url>');
}

/** A stack frame: `at fn (/path/file.js:42:13)`, `at /path/file.js:1:1`, `at Object.<anonymous> (file:1:2)`. */
const STACK_FRAME = /\s*\bat\s+(?:(?:async\s+|new\s+)?[^\s()]+(?:\s+\[as [^\]]+\])?\s+)?\(?(?:[^\s()]*[/\\][^\s()]*|node:[^\s()]+|[\w.-]+\.[A-Za-z]{1,5}):\d+:\d+\)?/g;
/** Absolute file paths: a Unix path naming a file (with extension) or under a system root, a Windows path. */
const FILE_PATH = /(?<![\w/.:-])(?:\/(?:[\w.@+-]+\/)+[\w@+-]+\.[A-Za-z][\w]{0,7}|\/(?:srv|home|usr|var|opt|app|tmp|etc|root|mnt|workspace|Users)(?:\/[\w.@+-]+)+|[A-Za-z]:\\(?:[\w.@+ -]+\\)*[\w.@+-]+)(?::\d+(?::\d+)?)?/g;
/** host:port and IP:port (v4 or bracketed v6), e.g. `10.0.0.7:8080`, `api.internal:443`, `localhost:11434`. */
const HOST_PORT = /(?<![\w.-])(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|localhost|(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*):\d{1,5}(?!\d)/g;

/** The operator's account at the upstream: OpenAI organization and project ids (`org-…`, `proj_…`). */
const ACCOUNT_IDS = /\b(?:org-|proj_)[A-Za-z0-9]{8,}\b/g;

/**
 * Removes what an upstream's message may disclose about its internals before a client sees it: URLs, stack
 * frames, absolute file paths, host:port addresses and the operator's account ids.
 */
export function stripUpstreamDetails(text: string): string {
  return stripUrls(text)
    .replace(STACK_FRAME, ' <stack frame>')
    .replace(FILE_PATH, '<path>')
    .replace(HOST_PORT, '<upstream-host>')
    .replace(ACCOUNT_IDS, '<account>')
    .replace(/(?:\s*<stack frame>)+/g, ' <stack trace>');
}
