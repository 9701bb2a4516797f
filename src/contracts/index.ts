// Public surface for adapters and plugins: `import { definePlugin } from 'switchyard/plugin'`.
export * from './canonical.ts';
export * from './thinking.ts';
export * from './gemini-thinking.ts';
export * from './anthropic-extra.ts';
export * from './anthropic-blocks.ts';
export * from './errors.ts';
export * from './adapter.ts';
export * from './plugin.ts';
export * from './upstream-errors.ts';
export * from './emulate-stream.ts';
export * from './embeddings.ts';
export * from './responses-usage.ts';
export * from './tool-call-ids.ts';
export * from './choice-shape.ts';
export * from './gateway-fields.ts';
