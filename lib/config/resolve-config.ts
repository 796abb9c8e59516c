import { ConfigError, parseConfig } from './parse-config';
import { StackConfig, StackOverrides } from './stack-config';
import { STAGES } from './stages';

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
      `stage: unknown stage, got ${JSON.stringify(stage)}; known stages are ${stageNames()
        .map(s => `'${s}'`)
        .join(', ')}`,
    ]);
  }
  return resolveConfig(stage, STAGES[stage]);
}

/**
 * A stage's config: `overrides` over the tutorial's defaults (the schema's), parsed once into typed values and
 * checked by the schema and by the constructs it maps onto. A field left out, at any depth, takes its default; a
 * value that selects a variant (workload, preset, TLS or credentials source) brings that variant's defaults.
 */
export function resolveConfig(stage: string, overrides: StackOverrides = {}): StackConfig {
  return parseConfig({ ...overrides, stage });
}
