import { KubeObject, PathSegment } from './manifest';

// What a finding never prints: the values of a Secret's data and stringData, and the literal values of environment
// variables whose names look secret (the ones secret-in-env flags). Reports end up in CI logs.

/** Environment variable and ConfigMap key names that look like they hold a secret. */
export const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
/** `*_FILE` names a file that holds the secret (the official images' convention), not the secret itself. */
export const SECRET_FILE_POINTER = /_FILE$/i;

export const HIDDEN = '(value hidden)';

/** Whether `path` of `object` holds a Secret's value: under a Secret's data or stringData. */
export function isSecretValuePath(object: KubeObject, path: readonly PathSegment[]): boolean {
  return isSecret(object) && (path[0] === 'data' || path[0] === 'stringData') && path.length >= 1;
}

/** `message` with every secret value of `object` (see above) replaced by `(value hidden)`. */
export function hideSecretValues(message: string, object: KubeObject): string {
  let hidden = message;
  for (const value of secretValuesOf(object)) {
    if (hidden.includes(value)) {
      hidden = hidden.split(value).join(HIDDEN);
    }
  }
  return hidden;
}

function isSecret(object: KubeObject): boolean {
  return object.kind === 'Secret' && object.apiVersion === 'v1';
}

// Values shorter than this are left alone: replacing 'a' or '1' would garble the message and hide nothing.
const SHORTEST_HIDDEN = 3;

function secretValuesOf(object: KubeObject): string[] {
  const values: string[] = [];
  const add = (value: unknown) => {
    if ((typeof value === 'string' || typeof value === 'number') && String(value).length >= SHORTEST_HIDDEN) {
      values.push(String(value), JSON.stringify(String(value)).slice(1, -1));
    }
  };
  if (isSecret(object)) {
    for (const field of ['data', 'stringData']) {
      const map = object[field];
      for (const value of map && typeof map === 'object' ? Object.values(map) : []) {
        add(value);
        if (field === 'data' && typeof value === 'string') {
          add(Buffer.from(value, 'base64').toString('utf8'));
        }
      }
    }
  }
  visitEnv(object, env => {
    if (typeof env?.name === 'string' && SECRET_LOOKING.test(env.name) && !SECRET_FILE_POINTER.test(env.name)) {
      add(env.value);
    }
  });
  // Longest first, so that a value containing another is hidden whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

// Every env entry of every container of any pod spec in the object, wherever it sits (Pod, workload, CronJob).
function visitEnv(node: unknown, visit: (env: any) => void, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 12) {
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && Array.isArray(value)) {
      value.forEach(container => (Array.isArray(container?.env) ? container.env : []).forEach(visit));
    } else if (typeof value === 'object') {
      visitEnv(value, visit, depth + 1);
    }
  }
}
