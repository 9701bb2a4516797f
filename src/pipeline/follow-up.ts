// Multi-call upstream exchanges (Adapter.followUp): an adapter whose provider answers a non-stream
// request in several calls (Coze: create the chat, poll its status, list its messages) returns the
// next call to make; this module makes it — provider plugins included, all follow-up calls (waits
// included) sharing one provider timeout counted from the first reply — until the adapter says the
// last reply is the answer. Adapters stay pure: they describe calls, only src/upstream performs them.

import type { AdapterRequest, UpstreamReply, UpstreamRequest } from '../contracts/adapter.ts';
import type { JsonValue } from '../contracts/canonical.ts';
import { errors, isGatewayError } from '../contracts/errors.ts';
import type { Target } from '../compile/types.ts';
import { callUpstream } from '../upstream/call.ts';
import { sleep } from './retry-wait.ts';
import type { Exchange } from './types.ts';

/** Follow-up calls one attempt may make (the provider timeout bounds them long before). */
const MAX_CALLS = 1000;

export interface FollowUpHooks {
  /** Provider plugins' onUpstreamRequest. */
  request(req: UpstreamRequest): Promise<UpstreamRequest>;
  /** Provider plugins' onUpstreamResponse. */
  reply(reply: UpstreamReply): Promise<UpstreamReply>;
}

/** Runs the adapter's follow-up calls after the first 2xx reply; returns the final reply and state. */
export async function runFollowUps(
  ex: Exchange, target: Target, areq: AdapterRequest, first: UpstreamReply, hooks: FollowUpHooks,
): Promise<{ reply: UpstreamReply; state: JsonValue | undefined }> {
  const { provider } = target;
  const adapter = provider.adapter;
  const deadline = Date.now() + provider.timeoutMs;
  let reply = first;
  let state: JsonValue | undefined;
  for (let calls = 0; ; calls++) {
    const next = adapter.followUp!(reply, areq, provider.view, state);
    if (!next) return { reply, state };
    if (calls >= MAX_CALLS) throw errors.upstreamInvalid(provider.name, `the exchange needed more than ${MAX_CALLS} calls`);
    state = next.state;
    const wait = Math.max(0, next.delayMs ?? 0);
    if (deadline - Date.now() <= wait) throw errors.upstreamTimeout(provider.name, provider.timeoutMs);
    if (wait > 0) await sleep(wait, ex.signal);
    const request = await hooks.request(next.request);
    let upstream;
    try {
      upstream = await callUpstream(request, {
        provider: provider.name, timeoutMs: Math.max(1, deadline - Date.now()), signal: ex.signal, serveLocally: adapter.serveLocally?.bind(adapter),
      });
      reply = { status: upstream.response.status, headers: upstream.response.headers, text: await upstream.text() };
    } catch (err) {
      // The per-call timeout is what was left of the provider's: report the provider's own figure.
      if (isGatewayError(err) && err.code === 'upstream_timeout') throw errors.upstreamTimeout(provider.name, provider.timeoutMs);
      throw err;
    }
    reply = await hooks.reply(reply);
    if (reply.status < 200 || reply.status >= 300) throw adapter.decodeError(reply, provider.view);
  }
}
