import { describe, formatPath, Manifest, PathSegment } from './manifest';
import { RuleId, RULES_BY_ID, Severity } from './rules';
import { hideSecretValues } from './secret-values';

/** One problem found: where, which rule, what exactly, and how to fix it. */
export interface Finding {
  readonly ruleId: RuleId;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  /** `Kind namespace/name`, when the finding is about an object. */
  readonly object?: string;
  /** The YAML path of the field, such as `spec.template.spec.containers[0].image`. */
  readonly path?: string;
  readonly message: string;
  readonly fix: string;
}

/** A finding at a file location (parse errors). */
export function finding(ruleId: RuleId, at: { file: string; line: number }, message: string): Finding {
  const rule = RULES_BY_ID[ruleId];
  return { ruleId, severity: rule.severity, file: at.file, line: at.line, message, fix: rule.fix };
}

/**
 * A finding about a field of an object; the line is that of the field (or its closest existing parent). Its message
 * never holds a value of a Secret, nor a literal secret environment value (see secret-values.ts).
 */
export function objectFinding(
  ruleId: RuleId,
  manifest: Manifest,
  path: readonly PathSegment[],
  message: string,
  fix?: string,
): Finding {
  const rule = RULES_BY_ID[ruleId];
  return {
    ruleId,
    severity: rule.severity,
    file: manifest.file,
    line: manifest.lineOf(path),
    object: describe(manifest.object),
    path: path.length > 0 ? formatPath(path) : undefined,
    message: hideSecretValues(message, manifest.object),
    fix: fix ?? rule.fix,
  };
}
