import { createHash } from 'crypto';

/**
 * The SHA-256 of `value` as JSON, in hex: the same value gives the same checksum on every machine, so a name or an
 * annotation derived from it changes exactly when the value does (a Job's spec, a ConfigMap's data).
 */
export function checksum(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
