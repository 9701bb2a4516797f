// The gateway's own hints, in the onebound way. On a route with a prefix the gateway names its paths below
// the route ("GET /openai/custom/v1/models lists the models your key may use", src/http/error-response.ts),
// but an onebound client cannot call those paths: it sends one URL with `method=`. This rewrites each such
// path (with its HTTP verb, if any) into the method that reaches it: `method=v1/models`,
// `method=v1/images/generations`, and the image-job paths into `method=images/submit` / `method=images/get`.
// Upstream text is left alone (its paths are the provider's): errors whose code starts with `upstream_`.

/** `message` with every `[VERB ]<route>/v1/<path>` named as the onebound method that reaches it. */
export function oneboundHints(message: string, route: string, code = ''): string {
  if (!route || code.startsWith('upstream_') || !message.includes(`${route}/v1/`)) return message;
  const escaped = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const path = new RegExp(`(?:\\b(?:GET|POST|PUT|PATCH|DELETE) )?${escaped}/v1/([A-Za-z0-9_.{}:/-]*[A-Za-z0-9_}])`, 'g');
  return message.replace(path, (_all, rest: string) => {
    if (rest === 'images/jobs') return 'method=images/submit';
    if (rest.startsWith('images/jobs/')) return 'method=images/get';
    return `method=v1/${rest}`;
  });
}
