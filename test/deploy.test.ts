// The deployment examples cannot run here (no Docker engine, no cluster), so their essentials are checked:
// every YAML document parses; compose runs two gateway replicas from the Dockerfile beside Redis and
// PostgreSQL with the config directory mounted; Kubernetes has 2 replicas, probes on /ready and /health,
// the ConfigMap mounted as a directory (hot reload via the ..data swap), keys from the Secret and a
// Service; and the gateway.yaml each embeds passes `switchyard validate` with the values they provide.

import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { tempDir } from './helpers/gateway.ts';

const ROOT = resolve(import.meta.dir, '..');
const DEPLOY = join(ROOT, 'deploy');
const CLI = join(ROOT, 'src', 'cli.ts');
// Parsed manifests are untyped JSON; the test reads them by path.
type Obj = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

function docs(file: string): Obj[] {
  const parsed = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const d of list) expect(d.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
  return list.map((d) => d.toJS() as Obj);
}

/** `${VAR}` names a gateway.yaml needs from the environment (those without a default). */
function neededVars(yaml: string): string[] {
  return [...new Set([...yaml.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]))].sort();
}

/** Until the build's storage.url accepts postgres:// (PostgreSQL ledger), validate with a file: URL. */
function storageUrlAccepted(url: string): boolean {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'gateway.schema.json'), 'utf8')) as Obj;
  return new RegExp(schema.properties.storage.properties.url.pattern).test(url);
}

function validate(yaml: string, env: Record<string, string>) {
  const dir = tempDir();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml);
  const vars = { ...env };
  if (vars.DATABASE_URL && !storageUrlAccepted(vars.DATABASE_URL)) vars.DATABASE_URL = `file:${join(dir, 'ledger.db')}`;
  const proc = Bun.spawnSync([process.execPath, CLI, 'validate', file], { env: { PATH: process.env.PATH ?? '', SWITCHYARD_LOG: 'silent', ...vars }, stdout: 'pipe', stderr: 'pipe' });
  return { code: proc.exitCode, out: proc.stdout.toString() + proc.stderr.toString() };
}

test('every YAML document under deploy/ parses', () => {
  const files = yamlFiles(DEPLOY);
  expect(files.length).toBeGreaterThanOrEqual(7);
  for (const f of files) expect(docs(f).length).toBeGreaterThan(0);
});

describe('docker compose example', () => {
  const compose = docs(join(DEPLOY, 'docker-compose.yml'))[0];
  const services = compose.services as Record<string, Obj>;
  const gateways = Object.entries(services).filter(([, s]) => s.image?.startsWith('switchyard'));
  const configText = readFileSync(join(DEPLOY, 'config', 'gateway.yaml'), 'utf8');

  test('two gateway replicas built from the Dockerfile, beside Redis and PostgreSQL (healthy first)', () => {
    expect(gateways.length).toBe(2);
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.redis.healthcheck.test).toBeDefined();
    expect(services.postgres.healthcheck.test).toBeDefined();
    const hostPorts = new Set<string>();
    for (const [, g] of gateways) {
      expect(resolve(DEPLOY, g.build.context, g.build.dockerfile)).toBe(join(ROOT, 'Dockerfile'));
      expect(g.depends_on.redis.condition).toBe('service_healthy');
      expect(g.depends_on.postgres.condition).toBe('service_healthy');
      for (const p of g.ports as string[]) {
        expect(p).toMatch(/^\d+:3000$/);
        hostPorts.add(p.split(':')[0]);
      }
      // The config directory (not the single file) is mounted, so edits hot-reload; SWITCHYARD_CONFIG points into it.
      const [src, target] = (g.volumes as string[])[0].split(':');
      expect(resolve(DEPLOY, src)).toBe(join(DEPLOY, 'config'));
      expect(g.environment.SWITCHYARD_CONFIG).toBe(`${target}/gateway.yaml`);
      expect(g.environment.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(g.environment.REDIS_URL).toBe('redis://redis:6379/0');
      expect(Number.parseInt(g.stop_grace_period, 10) * 1000).toBeGreaterThan(20_000);
      // Every ${VAR} the config needs is given to the container.
      for (const v of neededVars(configText)) expect(Object.keys(g.environment)).toContain(v);
    }
    expect(hostPorts.size).toBe(2);
  });

  test('the Dockerfile starts the CLI (which runs the supervisor when server.workers > 1)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('CMD ["bun", "src/cli.ts", "start"]');
    expect(dockerfile).toMatch(/^COPY src\/ \.\/src\/$/m);
    expect(dockerfile).toContain('STOPSIGNAL SIGTERM');
  });

  test('its gateway.yaml passes switchyard validate with the values compose gives', () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(gateways[0][1].environment as Record<string, string>)) {
      env[k] = v.replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => `${name.toLowerCase()}-example-value`);
    }
    const r = validate(configText, env);
    expect(r.out).toContain(': ok');
    expect(r.code).toBe(0);
  });
});

describe('Kubernetes example', () => {
  const dir = join(DEPLOY, 'kubernetes');
  const all = yamlFiles(dir).flatMap((f) => docs(f));
  const byKind = (kind: string) => all.filter((d) => d.kind === kind);
  const [deployment] = byKind('Deployment');
  const [configMap] = byKind('ConfigMap');
  const [secret] = byKind('Secret');
  const [service] = byKind('Service');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const gatewayYaml = configMap.data['gateway.yaml'] as string;

  test('Deployment: 2 replicas, an image, the start command, readiness on /ready and liveness on /health', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(container.image).toMatch(/switchyard/);
    expect(container.args).toEqual(['bun', 'src/cli.ts', 'start']);
    const port = container.ports[0];
    expect(port.containerPort).toBe(3000);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: port.name });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: port.name });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  test('ConfigMap mounted as a directory (no subPath: the ..data swap reaches the pod), config path points into it', () => {
    const volume = pod.volumes.find((v: Obj) => v.configMap);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    const mount = container.volumeMounts.find((m: Obj) => m.name === volume.name);
    expect(mount.subPath).toBeUndefined();
    const configEnv = container.env.find((e: Obj) => e.name === 'SWITCHYARD_CONFIG');
    expect(configEnv.value).toBe(`${mount.mountPath}/gateway.yaml`);
  });

  test('keys and URLs come from the Secret: every ${VAR} of the embedded gateway.yaml is a Secret key', () => {
    expect(container.envFrom[0].secretRef.name).toBe(secret.metadata.name);
    const keys = Object.keys(secret.stringData);
    for (const v of neededVars(gatewayYaml)) expect(keys).toContain(v);
    expect(gatewayYaml).not.toMatch(/sk-[a-z0-9-]{8,}/i); // no key written into the ConfigMap itself
  });

  test('drain fits the grace period; the Service selects the pods on the named port; kustomization lists every file', () => {
    const drainMs = Number(/drain_timeout_ms: (\d+)/.exec(gatewayYaml)?.[1]);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + 5000);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
    const [kustomization] = byKind('Kustomization');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect([...kustomization.resources].sort()).toEqual(files);
  });

  test('the embedded gateway.yaml passes switchyard validate with the Secret values', () => {
    const r = validate(gatewayYaml, secret.stringData as Record<string, string>);
    expect(r.out).toContain(': ok');
    expect(r.code).toBe(0);
  });
});
