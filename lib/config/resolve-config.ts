import { TUTORIAL_DEFAULTS } from './defaults';
import { STAGES } from './stages';
import { StackConfig, StackOverrides, StackSettings } from './stack-config';
import { ConfigError, parseConfig } from './parse-config';

// Keys a section may hold beyond those the defaults set, so that a typo (`replicaz`) is an error, not ignored.
const OPTIONAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  database: ['staticVolumeHostPath', 'storageClassName', 'recovery'],
  app: ['migrationCommand', 'autoscaling', 'taskListCache'],
  ingress: ['tls'],
};

/** The names of the stages this stack ships, in a stable order. */
export function stageNames(): string[] {
  return Object.keys(STAGES).sort();
}

/**
 * The validated config of a stage shipped in `STAGES`. An unknown name fails with the list of known ones.
 */
export function stageConfig(stage: string): StackConfig {
  if (!Object.prototype.hasOwnProperty.call(STAGES, stage)) {
    throw new ConfigError(stage, [
      `stage: unknown stage, got ${JSON.stringify(stage)}; known stages are ${stageNames().map(s => `'${s}'`).join(', ')}`,
    ]);
  }
  return resolveConfig(stage, STAGES[stage]);
}

/**
 * Merges `overrides` into the tutorial's defaults and parses the result once into typed values, checked by the
 * config and by the constructs it maps onto. Sections merge key by key; a value that is itself an object
 * (credentials, autoscaling, resources) replaces the default whole, so that two kinds of credentials never mix.
 */
export function resolveConfig(stage: string, overrides: StackOverrides = {}): StackConfig {
  const unknown = unknownKeys(overrides);
  const notObjects = Object.entries(overrides)
    .filter(([key, value]) => typeof (TUTORIAL_DEFAULTS as any)[key] === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value)))
    .map(([key, value]) => `${key}: must be an object of settings, such as { replicas: 2 }, got ${JSON.stringify(value)}`);
  if (unknown.length > 0 || notObjects.length > 0) {
    throw new ConfigError(stage, [...unknown.map(key =>
      `${key}: unknown setting; check the spelling against StackSettings in lib/config/stack-config.ts`), ...notObjects]);
  }
  const merged = {
    ...TUTORIAL_DEFAULTS,
    ...overrides,
    stage,
    database: { ...TUTORIAL_DEFAULTS.database, ...overrides.database },
    app: { ...TUTORIAL_DEFAULTS.app, ...overrides.app },
    ingress: { ...TUTORIAL_DEFAULTS.ingress, ...overrides.ingress },
    gitops: { ...TUTORIAL_DEFAULTS.gitops, ...overrides.gitops },
    monitoring: { ...TUTORIAL_DEFAULTS.monitoring, ...overrides.monitoring },
  } as StackSettings;
  return parseConfig(merged);
}

function unknownKeys(overrides: StackOverrides): string[] {
  const found: string[] = [];
  const defaults = TUTORIAL_DEFAULTS as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) {
      found.push(key);
    } else if (typeof defaults[key] === 'object' && value !== null && typeof value === 'object') {
      const allowed = new Set([...Object.keys(defaults[key] as object), ...(OPTIONAL_KEYS[key] ?? [])]);
      found.push(...Object.keys(value).filter(k => !allowed.has(k)).map(k => `${key}.${k}`));
    }
  }
  return found;
}
