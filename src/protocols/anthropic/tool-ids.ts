// Opaque tool-call data across the Anthropic surface. A canonical tool call may carry provider data
// that must come back verbatim on the next turn (`extra_content`, e.g. Gemini's thoughtSignature:
// Gemini 3 rejects a second tool turn without it). Anthropic's tool_use block has no field for it, and
// clients (Claude Code, @anthropic-ai/sdk) echo only id/name/input, so the data rides inside the
// tool_use id (the shared codec in src/contracts/tool-call-ids.ts, also used on the OpenAI surface).
// Inbound ids (tool_use.id, tool_result.tool_use_id) are split back.

export { decodeToolCallId as decodeToolUseId, encodeToolCallId as encodeToolUseId } from '../../contracts/tool-call-ids.ts';
