// Counters and histograms for the per-request metrics, cheap enough for the hot path: a series is found
// by its label values joined into one string (fixed label order: no sorting, no per-call validation,
// no label objects), and histograms keep plain bucket counts. prom-client's own metrics hash and
// validate a label object on every update (~0.5 µs each, ten per request); these cost a Map lookup,
// and a caller that keeps a series (`child`) adds to it with no lookup at all.
// They register into a prom-client Registry (which only needs name, help, type and get()), so the
// exposition format stays prom-client's.

import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

const SEP = '\u0001';

abstract class FastMetric<S> {
  protected readonly series = new Map<string, S>();

  constructor(readonly name: string, readonly help: string, protected readonly labelNames: readonly string[], registry: Registry) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  protected labelsOf(values: readonly string[]): Record<string, string> {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
    return labels;
  }

  /** Drops every series (prom-client's registry.resetMetrics; the gateway never calls it: kept series would go stale). */
  reset(): void {
    this.series.clear();
  }

  abstract get(): Exported;
}

export interface CounterSeries {
  readonly labels: Record<string, string>;
  value: number;
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter';

  /** Adds `by` (default 1) to the series of these label values (in labelNames order). */
  inc(values: readonly string[], by = 1): void {
    this.child(values).value += by;
  }

  /**
   * The series of these label values, created (at 0) when new: a caller may keep it and add to `value`
   * directly. It is exported from its creation on, so take it only when about to add to it.
   */
  child(values: readonly string[]): CounterSeries {
    const key = values.length === 1 ? values[0] : values.join(SEP);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: this.labelsOf(values), value: 0 }));
    return s;
  }

  get(): Exported {
    const values: MetricValue[] = [];
    if (this.labelNames.length === 0 && this.series.size === 0) values.push({ value: 0, labels: {} });
    for (const s of this.series.values()) values.push({ value: s.value, labels: s.labels });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export interface HistogramSeries {
  readonly labels: Record<string, string>;
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly buckets: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  observe(values: readonly string[], v: number): void {
    this.record(this.child(values), v);
  }

  /** The series of these label values (see FastCounter.child); record into it with `record`. */
  child(values: readonly string[]): HistogramSeries {
    const key = values.length === 1 ? values[0] : values.join(SEP);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels: this.labelsOf(values), counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    return s;
  }

  /** One observation into a series of this histogram. */
  record(s: HistogramSeries, v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]) {
        s.counts[i] += 1;
        break;
      }
    }
    s.sum += v;
    s.count += 1;
  }

  get(): Exported {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ value: cumulative, labels: { ...s.labels, le }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
