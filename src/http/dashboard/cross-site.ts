// Is a request sent by a page of another site? Browsers say so in Sec-Fetch-Site (every current engine);
// without it, an Origin header whose host differs from the Host the request was sent to, or the opaque
// origin "null" (sandboxed frames, some redirects), is taken as cross-site. Clients that are not browsers
// (curl, scripts) send neither header and are not affected. Used for the dashboard login, which a foreign
// page could otherwise post to (a form or a no-cors fetch needs no preflight).

export function crossSiteRequest(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  if (origin === 'null') return true;
  const host = request.headers.get('host');
  try {
    return host === null || new URL(origin).host !== host.toLowerCase();
  } catch {
    return true;
  }
}
