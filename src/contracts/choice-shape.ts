// The shape OpenAI choices must have before the gateway reads them: every choice an object, its message (an
// answer) or delta (a stream chunk) an object when present, and that object's tool_calls an array of objects
// when present. An upstream that sends anything else is lying about the format: its answer or chunk is
// unreadable (502 upstream_invalid_response, failed over before anything reaches the client), never a crash of
// the gateway's own code further on. A few type checks per choice.

/** Why `choices` cannot be read, or undefined when they can. `part`: `message` in an answer, `delta` in a chunk. */
export function choicesShapeProblem(choices: readonly unknown[], part: 'message' | 'delta'): string | undefined {
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i];
    if (!isObject(choice)) return `choices[${i}] is not an object`;
    const inner = (choice as Record<string, unknown>)[part];
    if (inner === undefined || inner === null) continue;
    if (!isObject(inner)) return `choices[${i}].${part} is not an object`;
    const calls = (inner as { tool_calls?: unknown }).tool_calls;
    if (calls === undefined || calls === null) continue;
    if (!Array.isArray(calls)) return `choices[${i}].${part}.tool_calls is not an array`;
    for (let j = 0; j < calls.length; j++) if (!isObject(calls[j])) return `choices[${i}].${part}.tool_calls[${j}] is not an object`;
  }
  return undefined;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
