import {
  DNS_1035_LABEL,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  imageRepository,
  imageTag,
  LABEL_VALUE,
  QUALIFIED_NAME,
} from '@stateful-todo/kube-conventions';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * One bad prop: which prop, the value received and what it must be (the fix). Constructs throw them; the stack's
 * config reports them under its own field names, all at once.
 */
export interface PropProblem {
  /** The prop's path within the construct's props, such as `resources.memoryLimit`. */
  readonly prop: string;
  /** The value received. */
  readonly value: unknown;
  /** What the value must be, such as `must be a whole number from 1 to 65535`. */
  readonly message: string;
}

/** Thrown by a construct given bad props: one message naming every bad prop, its value and the fix. */
export class InvalidPropsError extends Error {
  constructor(
    /** The path of the construct given the props, such as `stateful-namespace/TodoApp`. */
    public readonly constructPath: string,
    /** Every bad prop. */
    public readonly problems: readonly PropProblem[],
  ) {
    super(
      `${constructPath}: invalid props:\n${problems.map(p => `  - '${p.prop}' ${p.message}, got ${shownValue(p.prop, p.value)}`).join('\n')}`,
    );
    this.name = 'InvalidPropsError';
  }
}

/**
 * A value as an error message shows it: JSON, but never a password's text (messages reach terminals and CI logs).
 */
export function shownValue(field: string, value: unknown): string {
  return /password/i.test(field) && typeof value === 'string'
    ? `a string of ${value.length} characters (not shown: a password)`
    : JSON.stringify(value);
}

/** Throws an InvalidPropsError for `scope` when `problems` is not empty. */
export function throwIfInvalid(scope: IConstruct, problems: readonly PropProblem[]): void {
  if (problems.length > 0) {
    throw new InvalidPropsError(scope.node.path, problems);
  }
}

/** The kinds of Kubernetes names, with their syntax and length limit. */
export const NAME_KINDS = {
  /** Namespaces, most object names (RFC 1123 label). */
  dnsLabel: { pattern: DNS_LABEL, maxLength: 63, description: 'a DNS-1123 label' },
  /** Service names, which become DNS names and may not start with a digit (RFC 1035 label). */
  dns1035Label: { pattern: DNS_1035_LABEL, maxLength: 63, description: 'a DNS-1035 label' },
  /** Secrets, ConfigMaps, Ingresses, storage and ingress classes (RFC 1123 subdomain). */
  dnsSubdomain: { pattern: DNS_SUBDOMAIN, maxLength: 253, description: 'a DNS-1123 subdomain' },
} as const;

export type NameKind = keyof typeof NAME_KINDS;

/** Collects the problems of a construct's props; each check names the prop, what it must be, and the fix. */
export class PropChecks {
  public readonly problems: PropProblem[] = [];

  public add(prop: string, value: unknown, message: string): void {
    this.problems.push({ prop, value, message });
  }

  /**
   * `value` must be a name of `kind`, no longer than `maxLength` (which is lower than the kind's own limit when
   * the construct derives longer names from it, such as `<name>-migrate-<hash>`).
   */
  public name(
    prop: string,
    value: unknown,
    kind: NameKind,
    maxLength: number = NAME_KINDS[kind].maxLength,
    why?: string,
  ): void {
    const { pattern, description } = NAME_KINDS[kind];
    if (typeof value !== 'string' || !pattern.test(value) || value.length > maxLength) {
      this.add(
        prop,
        value,
        `must be ${description} (lower-case letters, digits${kind === 'dnsSubdomain' ? ", '-' and '.'" : " and '-'"}, ` +
          `at most ${maxLength} characters)${why ? `; ${why}` : ''}`,
      );
    }
  }

  /** A storage class to claim volumes of, when one is set (unset means the cluster's default class). */
  public storageClassName(prop: string, value: unknown): void {
    if (value !== undefined) {
      this.name(
        prop,
        value,
        'dnsSubdomain',
        NAME_KINDS.dnsSubdomain.maxLength,
        "or leave it unset for the cluster's default class",
      );
    }
  }

  public integer(prop: string, value: unknown, min: number, max: number, message: string): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(prop, value, message);
    }
  }

  public port(prop: string, value: unknown): void {
    this.integer(prop, value, 1, 65535, 'must be a whole number from 1 to 65535');
  }

  /** An image reference pinned to a tag or digest, so that every node runs the same image. */
  public image(prop: string, value: unknown, example: string): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(prop, value, `must name an image with a pinned tag, such as '${example}'`);
    } else if (/\s/.test(value)) {
      this.add(prop, value, 'must not contain white space');
    } else {
      const tag = imageTag(value);
      if (tag === undefined && looksLikeTagAlone(value)) {
        // A tag given where the image belongs: suggesting '<value>:<tag>' would name an image called, say, "latest".
        this.add(prop, value, `must name an image with a pinned tag, such as '${example}', not a tag alone`);
      } else if (!IMAGE_PATH.test(imagePath(value))) {
        this.add(
          prop,
          value,
          "must be an image reference whose repository path is lower-case letters and digits, separated by '/', " +
            `'.', '_' or '-', such as '${example}'`,
        );
      } else if (tag === undefined) {
        // The field's own example's tag: a made-up one (1.2.3) may be refused by the field's other rules.
        this.add(
          prop,
          value,
          `must pin a tag or digest, such as '${value}:${imageTag(example) ?? '1.2.3'}'; an untagged image means 'latest'`,
        );
      } else if (tag === 'latest') {
        this.add(prop, value, "must pin a version tag, not 'latest', so that every node runs the same image");
      }
    }
  }

  /** A non-empty list of non-empty strings (a container command). */
  public command(prop: string, value: unknown, example: string): void {
    if (!Array.isArray(value) || value.length === 0 || value.some(part => typeof part !== 'string' || part === '')) {
      this.add(prop, value, `must be a non-empty list of non-empty strings, such as ${example}`);
    }
  }

  /** A size of at least 1 KiB and a whole number of KiB (what a binary quantity such as `5Gi` can express). */
  public size(prop: string, value: Size, example: string): boolean {
    const kib = value.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(kib) || kib <= 0) {
      this.add(prop, `${kib}Ki`, `must be a whole number of KiB, more than zero, such as ${example}`);
      return false;
    }
    return true;
  }

  /** A Git repository URL that Argo CD and Flux can clone. */
  public gitUrl(prop: string, value: unknown): void {
    if (typeof value !== 'string' || !/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(value)) {
      this.add(
        prop,
        value,
        "must be an https://, ssh:// or git@ Git URL, such as 'https://github.com/you/stateful-todo.git'",
      );
    }
  }

  /** A branch (or tag) name. */
  public gitBranch(prop: string, value: unknown): void {
    if (typeof value !== 'string' || !/^[A-Za-z0-9._/-]+$/.test(value)) {
      this.add(prop, value, "must be a branch name, such as 'main'");
    }
  }

  /**
   * One label of a selector: its key an optional DNS subdomain prefix and `/`, then a name of at most 63 characters;
   * its value at most 63 characters, letters, digits, `-`, `_` and `.` (reported as `{ key: value }`).
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
   */
  public label(prop: string, key: string, value: unknown): void {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = key.slice(slash + 1);
    const keyValid =
      (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253)) &&
      QUALIFIED_NAME.test(name) &&
      name.length <= 63;
    if (!keyValid) {
      this.add(
        prop,
        { [key]: value },
        "has a key that is no label key: an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' " +
          "or '.', such as 'k8s-app' or 'dns.operator.openshift.io/daemonset-dns'",
      );
    } else if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
      this.add(
        prop,
        { [key]: value },
        "has a value that is no label value: a string of at most 63 letters, digits, '-', '_' or '.', such as 'kube-dns'",
      );
    }
  }

  /** A folder of a repository, relative to its root (`prefix`, such as `./`, is what it must start with). */
  public repositoryPath(prop: string, value: unknown, prefix: string, example: string): void {
    if (
      typeof value !== 'string' ||
      value.startsWith('/') ||
      !value.startsWith(prefix) ||
      value.split('/').includes('..') ||
      /\s/.test(value)
    ) {
      this.add(
        prop,
        value,
        `must be a folder relative to the repository's root${prefix ? `, starting with '${prefix}'` : ''}, ` +
          `without '..', such as '${example}'`,
      );
    }
  }
}

// The repository path of an image reference, as the distribution spec writes it: lower-case components separated by
// '/', each of alphanumerics joined by '.', '_', '__' or dashes. (A registry host before it may have capitals.)
const IMAGE_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** The image's repository without its registry host: `ghcr.io/org/app:1.2` → `org/app`, `postgres:17` → `postgres`. */
function imagePath(image: string): string {
  const components = imageRepository(image).split('/');
  // As Docker reads a reference (distribution/reference): the first of several components is a registry host when it
  // has a '.' or a ':' (a port), capitals, or is localhost.
  const [first] = components;
  const hasHost =
    components.length > 1 &&
    (first.includes('.') || first.includes(':') || first !== first.toLowerCase() || first === 'localhost');
  return (hasHost ? components.slice(1) : components).join('/');
}

/** A bare word that reads as a tag (`latest`, `stable`, `v2`, `1.2.3`) rather than an image's name. */
function looksLikeTagAlone(image: string): boolean {
  // A version (1.2.3, 17.6-bookworm, v2, 7), not a name that starts with one (2048-game, v2ray).
  return /^(v?\d+(\.\d+)+([-+][\w.]+)?|v?\d+|latest|stable)$/i.test(image);
}
