// A StepSource over chunks already in memory: the emulated stream of an upstream that cannot stream.

import type { ChatChunk, Usage } from '../contracts/canonical.ts';
import type { SourceStep, StepSource } from './sse-source.ts';

export class ArraySource implements StepSource {
  private sent = false;

  constructor(private readonly chunks: ChatChunk[], private readonly usage?: Usage) {}

  async next(): Promise<SourceStep> {
    if (this.sent) return { chunks: [], ended: true, done: true, usage: this.usage };
    this.sent = true;
    return { chunks: this.chunks, ended: true, done: true, usage: this.usage };
  }

  cancel(): void {
    this.sent = true;
  }
}
