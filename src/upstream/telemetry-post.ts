// The small sender telemetry exporters use (OTLP/HTTP JSON): one POST of a JSON body with a timeout,
// redirects refused, the answer's body discarded. Lives in src/upstream, the only module that calls fetch.
// Returns the HTTP status; a network fault or the timeout rejects (the caller counts it, never a request).

export interface TelemetryPost {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  timeoutMs: number;
}

export async function postTelemetry(post: TelemetryPost): Promise<number> {
  const response = await fetch(post.url, {
    method: 'POST',
    headers: { ...post.headers, 'content-type': 'application/json' },
    body: post.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(post.timeoutMs),
  });
  // Read (and drop) the body so the connection is reused; an ExportTraceServiceResponse is small.
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
}
