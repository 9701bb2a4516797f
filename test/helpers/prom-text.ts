// A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample line must be
// `name{label="value",...} number`, every metric family must have # HELP and # TYPE before its samples,
// and label values are unescaped (\\, \", \n). Throws on anything else, so a malformed scrape fails.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  types: Map<string, string>;
  /** Sum of the samples of `name` whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
}

// Values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any letter case; prom-client writes "Nan").
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.eE+-]+|[Nn][Aa][Nn]|[+-]?[Ii]nf))(?: -?[0-9]+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m || LABEL.lastIndex === start) throw new Error(`bad labels in: ${line}`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      helped.add(line.split(' ')[2]);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`bad type: ${line}`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const family = [...types.keys()].find((f) => m[1] === f || m[1] === `${f}_bucket` || m[1] === `${f}_sum` || m[1] === `${f}_count` || m[1] === `${f}_total`);
    if (!family || !helped.has(family)) throw new Error(`sample without # HELP/# TYPE: ${line}`);
    samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2], line) : {}, value: /^[Nn][Aa][Nn]$/.test(m[3]) ? NaN : /inf$/i.test(m[3]) ? (m[3].startsWith('-') ? -Infinity : Infinity) : Number(m[3]) });
  }
  return {
    samples,
    types,
    sum: (name, match = {}) => samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0),
  };
}
