// Kubernetes resource quantities (`5Gi`, `250m`, `1e3`), as k8s.io/apimachinery/pkg/api/resource parses them.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Whether `value` is a syntactically valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/**
 * The numeric value of a quantity (bytes for memory, cores for CPU), or `undefined` when it is not a quantity.
 */
export function parseQuantity(value: string): number | undefined {
  const match = QUANTITY.exec(value);
  if (!match) {
    return undefined;
  }
  const suffix = match[3] ?? '';
  const number = Number(value.slice(0, value.length - suffix.length));
  if (/^[eE]/.test(suffix)) {
    return number * 10 ** Number(suffix.slice(1));
  }
  return number * SUFFIX_FACTORS[suffix];
}

/** A hint for the common mistakes: `5GB` → `5Gi`, `512mb` → `512Mi`. */
export function quantityHint(value: string): string {
  const unit = /^(\d+(?:\.\d+)?)\s*([kmgtpe])i?b$/i.exec(value.trim());
  if (unit) {
    return `write '${unit[1]}${unit[2].toUpperCase()}i' (binary suffixes Ki, Mi, Gi, Ti)`;
  }
  return "use a number with a suffix such as '5Gi', '512Mi' or '250m'";
}
