// Claude Code reading a PDF: its tool_result carries a `document` block (and tool results may carry images
// and search results, with a breakpoint on the tool_result itself). Driven by the real @anthropic-ai/sdk
// through a running gateway against the strict fakes:
// - to an Anthropic upstream the tool_result's blocks and its own cache_control arrive exactly as sent
//   (images stay inside it), user-turn documents too, and the session continues for two more turns;
// - the same history to an OpenAI upstream gets a text placeholder for the document (images moved to the
//   user turn as before) and none of the Anthropic-only fields;
// - an OpenAI-surface client cannot set those fields; a Files API document source is a 400 naming it.

import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, DocumentBlockParam, ImageBlockParam, MessageParam, SearchResultBlockParam, ToolResultBlockParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import type OpenAI from 'openai';
import { sdkSuite } from './sdk-suite.ts';
import { ANTHROPIC_TOOLS, type Conformance, PNG_BASE64, TARGETS, turn } from './harness.ts';

let h: Conformance;
let claude: Anthropic;
let openai: OpenAI;
sdkSuite((suite) => ({ h, claude, openai } = suite));

const PDF_BASE64 = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK';
const pdf: DocumentBlockParam = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 }, title: 'report.pdf' };
const search: SearchResultBlockParam = { type: 'search_result', source: 'https://example.com/paris', title: 'Paris weather', content: [{ type: 'text', text: 'Sunny, 18°C.' }] };
const png: ImageBlockParam = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } };
const question: MessageParam[] = [{ role: 'user', content: 'Read report.pdf and check the weather.' }];

/** The tool results Claude Code would send: the PDF (with text) for one call, an image and a search result
 *  for the other, the moving cache breakpoint on the last tool_result block itself. */
function results(uses: ToolUseBlock[]): ToolResultBlockParam[] {
  return uses.map((u, i) => (i === 0
    ? { type: 'tool_result', tool_use_id: u.id, content: [{ type: 'text', text: 'PDF file read: report.pdf' }, pdf] }
    : { type: 'tool_result', tool_use_id: u.id, content: [png, search], cache_control: { type: 'ephemeral' } }));
}

type Sent = { messages: Array<{ role: string; content: unknown }> };
const lastClaudeBody = () => h.fakes.anthropic.requests.at(-1)!.body as Sent;

async function pdfHistory(): Promise<MessageParam[]> {
  h.fakes.anthropic.script(turn(TARGETS[1], 'tools'));
  const first = await claude.messages.create({ model: 'claude-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: question });
  const uses = first.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
  expect(uses.length).toBe(2);
  return [...question, { role: 'assistant', content: first.content }, { role: 'user', content: results(uses) }];
}

test('Anthropic upstream: tool_result documents, images, search results and cache_control arrive as sent; two more turns follow', async () => {
  const history = await pdfHistory();
  const sentResults = (history.at(-1)!.content as ToolResultBlockParam[]);

  // Turn 2 (streamed, as Claude Code does): the tool results exactly as sent, nothing moved out of them.
  h.fakes.anthropic.script(turn(TARGETS[1], 'answer'));
  const second = await claude.messages.stream({ model: 'claude-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: history }).finalMessage();
  expect(second.stop_reason).toBe('end_turn');
  const upstreamTurn = lastClaudeBody().messages.at(-1)!;
  expect(upstreamTurn).toEqual({ role: 'user', content: sentResults });

  // Turn 3: a user turn with its own document; the whole history (PDF tool_result included) still goes through.
  const third: MessageParam[] = [...history, { role: 'assistant', content: second.content }, { role: 'user', content: [{ type: 'text', text: 'Compare with this one.' }, { ...pdf, title: 'other.pdf', cache_control: { type: 'ephemeral', ttl: '1h' } } as ContentBlockParam] }];
  h.fakes.anthropic.script(turn(TARGETS[1], 'answer'));
  const reply3 = await claude.messages.create({ model: 'claude-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: third });
  expect(reply3.stop_reason).toBe('end_turn');
  expect(lastClaudeBody().messages.at(-1)).toEqual(third.at(-1) as never);
  expect(lastClaudeBody().messages[2]).toEqual({ role: 'user', content: sentResults });

  // Turn 4: plain text on top of it all.
  const fourth: MessageParam[] = [...third, { role: 'assistant', content: reply3.content }, { role: 'user', content: 'Thanks.' }];
  const reply4 = await claude.messages.create({ model: 'claude-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: fourth });
  expect(reply4.content.length).toBeGreaterThan(0);
  expect(h.fakes.anthropic.requests).toHaveLength(4);
});

test('a tool_result with string content and a breakpoint keeps both on the tool_result (no text block made)', async () => {
  const history = await pdfHistory();
  const uses = (history[1].content as ToolUseBlock[]).filter((b) => b.type === 'tool_use');
  const plain: MessageParam = { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: '18°C', cache_control: { type: 'ephemeral' as const } })) };
  h.fakes.anthropic.script(turn(TARGETS[1], 'answer'));
  await claude.messages.create({ model: 'claude-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [...history.slice(0, 2), plain] });
  expect(lastClaudeBody().messages.at(-1)).toEqual(plain as never);
});

test('OpenAI upstream: the same history gets a placeholder for the document, images moved as before, no Anthropic fields', async () => {
  const history = await pdfHistory();
  h.fakes.openai.script(turn(TARGETS[0], 'answer'));
  const reply = await claude.messages.create({ model: 'oa-chat', max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: history });
  expect(reply.stop_reason).toBe('end_turn');
  const sent = h.fakes.openai.requests.at(-1)!.body as { messages: Array<Record<string, unknown>> };
  const tools = sent.messages.filter((m) => m.role === 'tool');
  expect(tools[0].content).toBe('PDF file read: report.pdf\n[Document "report.pdf" (application/pdf) omitted: this model cannot read documents]');
  expect(JSON.stringify(tools[1].content)).toContain('Paris weather (https://example.com/paris)\\nSunny, 18°C.');
  const user = sent.messages.at(-1)!;
  expect(user.role).toBe('user');
  expect(user.content).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } }]);
  expect(JSON.stringify(sent)).not.toContain('anthropic_');
  expect(JSON.stringify(sent)).not.toContain(PDF_BASE64);

  // A user-turn document on the OpenAI upstream: its placeholder, the session goes on.
  const next: MessageParam[] = [...history, { role: 'assistant', content: reply.content }, { role: 'user', content: [pdf, { type: 'text', text: 'Summarize it.' }] }];
  await claude.messages.create({ model: 'oa-chat', max_tokens: 1024, messages: next });
  const last = (h.fakes.openai.requests.at(-1)!.body as { messages: Array<Record<string, unknown>> }).messages.at(-1)!;
  expect(last.content).toEqual([{ type: 'text', text: '[Document "report.pdf" (application/pdf) omitted: this model cannot read documents]' }, { type: 'text', text: 'Summarize it.' }]);
});

test('a Files API document source is a 400 naming it; nothing is sent', async () => {
  const err = await claude.messages.create({
    model: 'claude-chat', max_tokens: 100,
    messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_011' } } as ContentBlockParam, { type: 'text', text: 'hi' }] }],
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect((err as Error).message).toContain('`messages[0].content[0].source.type`');
  expect(h.fakes.anthropic.requests).toHaveLength(0);
});

test('an OpenAI-surface client cannot set anthropic_tool_result / anthropic_content', async () => {
  const body = {
    model: 'claude-chat',
    messages: [
      { role: 'user', content: 'hi', anthropic_content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/x.pdf' } }] },
    ],
  } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
  await openai.chat.completions.create(body);
  const sent = h.fakes.anthropic.requests.at(-1)!.body as Sent;
  expect(sent.messages).toEqual([{ role: 'user', content: 'hi' }]);
});
