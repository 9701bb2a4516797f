// The shape OpenAI choices must have before the gateway reads them: every choice an object; its message (an
// answer: required) or delta (a stream chunk) an object; finish_reason a string or null; content a string,
// null or an array of part objects (Mistral's reasoning models stream parts); tool_calls an array of objects
// whose id is a string and whose function is an object with a string name and arguments (in a chunk, each of
// them may be absent: deltas arrive in pieces). An
// upstream that sends anything else is lying about the format: its answer or chunk is unreadable (502
// upstream_invalid_response, failed over before anything reaches the client), never a crash of an encoder
// further on (the Anthropic surface reads these fields as strings). A few type checks per choice.

/** Why `choices` cannot be read, or undefined when they can. `part`: `message` in an answer, `delta` in a chunk. */
export function choicesShapeProblem(choices: readonly unknown[], part: 'message' | 'delta'): string | undefined {
  const answer = part === 'message';
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i];
    if (!isObject(choice)) return `choices[${i}] is not an object`;
    const finish = (choice as { finish_reason?: unknown }).finish_reason;
    if (finish !== undefined && finish !== null && typeof finish !== 'string') return `choices[${i}].finish_reason is not a string`;
    const inner = (choice as Record<string, unknown>)[part];
    if (inner === undefined || inner === null) {
      if (answer) return `choices[${i}] has no message`;
      continue;
    }
    if (!isObject(inner)) return `choices[${i}].${part} is not an object`;
    // The common chunk (string content, no tool calls) passes on two type checks; paths are built only on failure.
    const { content, tool_calls: calls } = inner as { content?: unknown; tool_calls?: unknown };
    if (content !== undefined && content !== null && typeof content !== 'string' && !(Array.isArray(content) && content.every(isObject))) {
      return `choices[${i}].${part}.content is not a string or an array of parts`;
    }
    if (calls === undefined || calls === null) continue;
    if (!Array.isArray(calls)) return `choices[${i}].${part}.tool_calls is not an array`;
    for (let j = 0; j < calls.length; j++) {
      const problem = toolCallProblem(calls[j], answer);
      if (problem) return `choices[${i}].${part}.tool_calls[${j}]${problem}`;
    }
  }
  return undefined;
}

/**
 * Are `id` and `model` absent or strings? The Anthropic surface reads the id as text, and a `model` that is no
 * string would not be renamed to the public model (expose_upstream: false) and could carry the upstream's name.
 */
export function idAndModelProblem(body: Record<string, unknown>): string | undefined {
  if (body.id !== undefined && body.id !== null && typeof body.id !== 'string') return 'id is not a string';
  if (body.model !== undefined && body.model !== null && typeof body.model !== 'string') return 'model is not a string';
  return undefined;
}

/** Why a parsed OpenAI stream chunk cannot be read (its choices, id or model), or undefined when it can. */
export function chunkShapeProblem(chunk: Record<string, unknown>): string | undefined {
  return (Array.isArray(chunk.choices) ? choicesShapeProblem(chunk.choices, 'delta') : undefined) ?? idAndModelProblem(chunk);
}

function toolCallProblem(call: unknown, answer: boolean): string | undefined {
  if (!isObject(call)) return ' is not an object';
  const { id, function: fn } = call as { id?: unknown; function?: unknown };
  if (id !== undefined && id !== null && typeof id !== 'string') return '.id is not a string';
  if (fn === undefined && !answer) return undefined;
  if (!isObject(fn)) return '.function is not an object';
  const { name, arguments: args } = fn as { name?: unknown; arguments?: unknown };
  if (answer ? typeof name !== 'string' : name !== undefined && name !== null && typeof name !== 'string') return '.function.name is not a string';
  if (answer ? typeof args !== 'string' : args !== undefined && args !== null && typeof args !== 'string') return '.function.arguments is not a string';
  return undefined;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
