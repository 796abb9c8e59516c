import { z } from 'zod';

import { APP_NETWORK_POLICY_DEFAULTS } from '../app/app-network-policy';
import { AppPreset, TodoAppPreset } from '../app/todo-app-preset';
import { TODO_APP_DEFAULTS } from '../app/todo-app-props';
import { POSTGRES_BACKUP_DEFAULTS } from '../database/postgres-backup';
import { POSTGRES_CLUSTER_DEFAULTS, PodAntiAffinity } from '../database/postgres-cluster-props';
import { POSTGRES_DEFAULTS } from '../database/postgres-database';
import { POSTGRES_STATEFUL_SET_DEFAULTS } from '../database/postgres-stateful-set';
import { INGRESS_BRIDGE_DEFAULTS } from '../ingress/ingress-bridge';
import { NameKind, PropChecks } from '../kube/prop-checks';
import { cpuFromQuantity, Resources, resourcesToQuantities } from '../kube/resources';
import { DEFAULT_CLUSTER_DOMAIN } from '../kube/service-dns';
import { sizeFromQuantity, sizeToQuantity } from '../kube/size';

// The one schema of a stack's settings: each key is one line with its type and its default (the tutorial's values,
// read off the constructs' own defaults where a construct has one), and the types below are inferred from it. The
// schema checks the shape (types, choices, unknown keys, the settings of each variant); the constructs' own
// `checkProps` check the values they take (names, ranges, images), reported under these keys by `parseConfig`.
// An example in a message is written in YAML flow, so that it can be pasted into `--set` as it is.

/**
 * Which workload runs PostgreSQL.
 */
export enum DatabaseWorkload {
  /** Part 2 of the tutorial: a StatefulSet with volumeClaimTemplates and a headless Service. */
  STATEFUL_SET = 'StatefulSet',
  /**
   * Part 1 of the tutorial: a Deployment (Recreate) with one `ReadWriteOncePod` claim. Only for storage whose CSI
   * driver supports ReadWriteOncePod: that access mode is what keeps a replacement pod from starting while the old
   * one still runs on the same data directory.
   */
  DEPLOYMENT = 'Deployment',
  /**
   * A CloudNativePG `Cluster`: a primary and streaming replicas that the operator fails over, continuous backup to
   * an object store. Only on clusters where the CloudNativePG operator is installed (the stack does not install it).
   */
  CLOUDNATIVE_PG = 'CloudNativePG',
}

/** A strict object (an unknown key is an error) whose wrong type is reported with an example of the right one. */
function settings<Shape extends z.ZodRawShape>(shape: Shape, example: string) {
  return z.strictObject(shape, {
    error: issue => (issue.code === 'invalid_type' ? `must be an object such as ${example}` : undefined),
  });
}

/** Variants of an object that one key selects, each a strict object of its own settings. */
function variants<Key extends string, const Options extends readonly [z.ZodObject, ...z.ZodObject[]]>(
  key: Key,
  options: Options,
  meaning: string,
  example: string,
) {
  return z.discriminatedUnion(key, options as unknown as [Options[number], ...Options[number][]], {
    error: issue =>
      (issue.code as string) === 'invalid_type'
        ? `must be an object such as ${example}`
        : (issue.code as string) === 'invalid_union'
          ? meaning
          : undefined,
  });
}

/**
 * Variants whose key may be left out for the first one, so that a stage names a variant only to change it (typed
 * as a default: the key, and the object, may be left out).
 */
function defaultVariant<Key extends string, const Options extends readonly [z.ZodObject, ...z.ZodObject[]]>(
  key: Key,
  options: Options,
  meaning: string,
  example: string,
) {
  const first = options[0].shape[key] as z.ZodLiteral;
  const withDefault = z.preprocess(
    value =>
      value === undefined
        ? { [key]: first.value }
        : isRecord(value) && value[key] === undefined
          ? { ...value, [key]: first.value }
          : value,
    variants(key, options, meaning, example),
  );
  return withDefault as unknown as z.ZodPrefault<
    z.ZodType<z.output<Options[number]>, WithOptionalKey<z.input<Options[number]>, Key>>
  >;
}

/** A Kubernetes name that no construct checks, with the constructs' own rules. */
function kubeName(kind: NameKind) {
  return z.string().superRefine((value, context) => {
    const checks = new PropChecks();
    checks.name('', value, kind);
    checks.problems.forEach(problem => context.addIssue({ code: 'custom', message: problem.message, input: value }));
  });
}

/** A whole binary quantity (`5Gi`), parsed into a Size. */
function size(example: string) {
  return z.string().transform((value, context) => {
    const parsed = sizeFromQuantity(value);
    if (parsed === undefined || parsed.toKibibytes() === 0) {
      const unit = /^(\d+(?:\.\d+)?)\s*([kmgtp])i?b$/i.exec(value.trim());
      context.addIssue({
        code: 'custom',
        input: value,
        message:
          parsed !== undefined
            ? `must be greater than zero, such as '${example}'`
            : `must be a whole binary quantity such as '${example}' or '512Mi'` +
              (unit ? `; write '${unit[1]}${unit[2].toUpperCase()}i' (binary suffixes Ki, Mi, Gi, Ti)` : ''),
      });
      return z.NEVER;
    }
    return parsed;
  });
}

/** A container's resources as Kubernetes quantities, parsed into `Resources`; a field left out takes its default. */
function resources(defaults: Resources) {
  const quantities = resourcesToQuantities(defaults);
  return settings(
    {
      cpuRequest: z
        .string()
        .transform(
          (value, context) =>
            cpuFromQuantity(value) ??
            (context.addIssue({
              code: 'custom',
              input: value,
              message: "must be CPU in millicores or cores, such as '250m' or '1'",
            }),
            z.NEVER),
        )
        .prefault(quantities.cpuRequest),
      memoryRequest: size('256Mi').prefault(quantities.memoryRequest),
      memoryLimit: size('512Mi').prefault(quantities.memoryLimit),
    },
    "{ cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' }",
  ).prefault({});
}

const credentials = defaultVariant(
  'source',
  [
    settings(
      {
        source: z.literal('cluster-provided'),
        databaseSecretName: z.string().prefault('postgres-credentials'),
        appSecretName: z.string().prefault('stateful-flask-db-credentials'),
        /** StatefulSet, Deployment: the database's namespace, every role's password (`OWNER_PASSWORD`, …). */
        rolesSecretName: z.string().prefault('postgres-roles'),
        /** StatefulSet, Deployment: the app's namespace, the migration Job's `DB_PASSWORD` (the owner role's). */
        migrationSecretName: z.string().prefault('stateful-flask-migration-credentials'),
      },
      "{ source: 'cluster-provided', databaseSecretName: 'postgres-credentials', appSecretName: 'stateful-flask-db-credentials' }",
    ),
    settings(
      {
        source: z.literal('dev-generated'),
        password: z.string({
          error:
            "must be a string of at least 12 characters (a development cluster's only), such as 'dev-only-password'",
        }),
      },
      "{ source: 'dev-generated', password: 'dev-only-password' }",
    ),
  ],
  "must be 'dev-generated' (development clusters only) or 'cluster-provided'",
  "{ source: 'cluster-provided', databaseSecretName: 'postgres-credentials', appSecretName: 'stateful-flask-db-credentials' }",
);

/** The settings every database workload reads. */
const databaseCommon = {
  namespace: kubeName('dnsLabel').prefault('postgres'),
  name: z.string().prefault(POSTGRES_DEFAULTS.name),
  image: z.string().prefault(POSTGRES_DEFAULTS.image),
  databaseName: z.string().prefault(POSTGRES_DEFAULTS.databaseName),
  user: z.string().prefault(POSTGRES_DEFAULTS.user),
  replicas: z.number().prefault(POSTGRES_STATEFUL_SET_DEFAULTS.replicas),
  storageClassName: z.string().optional(),
  storageSize: size('5Gi').prefault(sizeToQuantity(POSTGRES_DEFAULTS.storageSize)),
  resources: resources(POSTGRES_DEFAULTS.resources),
  credentials,
  podDisruptionBudget: z
    .boolean({
      error: 'must be true (a node drain waits for an operator) or false (a drain evicts the database unattended)',
    })
    .prefault(POSTGRES_DEFAULTS.podDisruptionBudget),
};

const backupEnabled = z.boolean({ error: 'must be true (scheduled backups) or false (no backups)' }).prefault(true);

/** StatefulSet and Deployment: scheduled dumps (`pg_dump`) on a volume of their own; a field left out takes the backup construct's default. */
const dumpBackup = settings(
  {
    enabled: backupEnabled,
    schedule: z.string().prefault(POSTGRES_BACKUP_DEFAULTS.schedule),
    retention: z.number().optional(),
    storageSize: size('10Gi').optional(),
    storageClassName: z.string().optional(),
  },
  "{ enabled: true, schedule: '0 3 * * *', retention: 7 }",
).prefault({});

const objectStore = settings(
  {
    destinationPath: z.string(),
    endpointUrl: z.string().optional(),
    credentialsSecretName: z.string(),
  },
  "{ destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store-credentials' }",
);

/** CloudNativePG: WAL archive and scheduled base backups in an object store. */
const objectStoreBackup = settings(
  {
    enabled: backupEnabled,
    schedule: z.string().prefault(POSTGRES_CLUSTER_DEFAULTS.schedule),
    objectStore: objectStore.optional(),
    serverName: z.string().optional(),
    retentionPolicy: z.string().optional(),
  },
  "{ enabled: true, objectStore: { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store-credentials' } }",
)
  .prefault({})
  .superRefine((backup, context) => {
    if (backup.enabled && backup.objectStore === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['objectStore'],
        input: undefined,
        message:
          'is required with the CloudNativePG workload, such as ' +
          "{ destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store-credentials' }; " +
          'or set database.backup.enabled to false',
      });
    }
  });

const database = defaultVariant(
  'workload',
  [
    settings(
      { workload: z.literal(DatabaseWorkload.STATEFUL_SET), ...databaseCommon, backup: dumpBackup },
      "{ workload: 'StatefulSet', storageSize: '10Gi' }",
    ),
    settings(
      {
        workload: z.literal(DatabaseWorkload.DEPLOYMENT),
        ...databaseCommon,
        backup: dumpBackup,
        /** A static hostPath PersistentVolume bound to the claim, for clusters with no dynamic provisioner. */
        staticVolumeHostPath: z.string().optional(),
      },
      "{ workload: 'Deployment', storageSize: '10Gi' }",
    ),
    settings(
      {
        workload: z.literal(DatabaseWorkload.CLOUDNATIVE_PG),
        ...databaseCommon,
        image: z.string().prefault(POSTGRES_CLUSTER_DEFAULTS.image),
        replicas: z.number().prefault(POSTGRES_CLUSTER_DEFAULTS.instances),
        backup: objectStoreBackup,
        cloudNativePG: settings(
          {
            operatorNamespace: kubeName('dnsLabel').prefault(POSTGRES_CLUSTER_DEFAULTS.operatorNamespace),
            podAntiAffinity: z.enum(PodAntiAffinity).prefault(POSTGRES_CLUSTER_DEFAULTS.podAntiAffinity),
          },
          "{ operatorNamespace: 'cnpg-system', podAntiAffinity: 'required' }",
        ).prefault({}),
        /** Create the cluster from a backup in `backup.objectStore` (README, "Recovering a CloudNativePG cluster"). */
        recovery: settings(
          { serverName: z.string(), targetTime: z.string().optional() },
          "{ serverName: 'postgres-old' }",
        ).optional(),
      },
      "{ workload: 'CloudNativePG', replicas: 3 }",
    ),
  ],
  "must be 'StatefulSet', 'Deployment' or 'CloudNativePG'",
  "{ workload: 'StatefulSet', storageSize: '10Gi' }",
);

const appCommon = {
  namespace: kubeName('dnsLabel').prefault('stateful-namespace'),
  name: z.string().prefault(TODO_APP_DEFAULTS.name),
  port: z.number().prefault(TODO_APP_DEFAULTS.port),
  replicas: z.number().prefault(TODO_APP_DEFAULTS.replicas),
  migrationCommand: z.array(z.string()).optional(),
  autoscaling: settings(
    {
      minReplicas: z.number().prefault(TODO_APP_DEFAULTS.autoscaling.minReplicas),
      maxReplicas: z.number({
        error: 'is required with autoscaling: the most replicas the autoscaler may run, such as 5',
      }),
      /** Target average CPU utilization, percent of the CPU request. */
      cpuUtilizationPercent: z.number().prefault(TODO_APP_DEFAULTS.autoscaling.cpuUtilizationPercent),
    },
    '{ minReplicas: 2, maxReplicas: 5 }',
  ).optional(),
  resources: resources(TODO_APP_DEFAULTS.resources),
  /** The cluster's DNS server pods, which the app's NetworkPolicy lets its pods reach; a field left out takes its default. */
  dns: settings(
    {
      namespace: z.string().prefault(APP_NETWORK_POLICY_DEFAULTS.dns.namespace),
      podLabels: z
        .record(z.string(), z.string(), {
          error: issue =>
            issue.code === 'invalid_type' ? "must be an object of labels such as { 'k8s-app': 'kube-dns' }" : undefined,
        })
        .prefault({ ...APP_NETWORK_POLICY_DEFAULTS.dns.podLabels }),
      port: z.number().prefault(APP_NETWORK_POLICY_DEFAULTS.dns.port),
    },
    "{ namespace: 'openshift-dns', podLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' }, port: 5353 }",
  ).prefault({}),
};

const app = defaultVariant(
  'preset',
  [
    settings(
      {
        preset: z.literal(AppPreset.FLASK),
        ...appCommon,
        image: z.string().prefault(TodoAppPreset.FLASK.defaultImage),
      },
      "{ preset: 'flask', replicas: 2 }",
    ),
    settings(
      {
        preset: z.literal(AppPreset.NODE_SERVICE),
        ...appCommon,
        image: z.string().prefault(TodoAppPreset.NODE_SERVICE.defaultImage),
        /** `false`: every `GET /tasks` reads the database; unset: the image's default (the list kept in memory). */
        taskListCache: z
          .boolean({
            error:
              'must be true (the list kept in memory while the pod listens for changes) or false (every GET /tasks reads the database)',
          })
          .optional(),
      },
      "{ preset: 'node-service', replicas: 2 }",
    ),
  ],
  "must be 'flask' (the tutorial's image) or 'node-service' (our service in app/)",
  "{ preset: 'node-service', replicas: 2 }",
);

// No default source: a stage chooses where its certificate comes from.
const tls = variants(
  'source',
  [
    settings(
      {
        source: z.literal('cert-manager'),
        clusterIssuer: z.string({
          error: "is required with source 'cert-manager': the name of a ClusterIssuer, such as 'letsencrypt-prod'",
        }),
        secretName: z.string().optional(),
      },
      "{ source: 'cert-manager', clusterIssuer: 'letsencrypt-prod' }",
    ),
    settings(
      {
        source: z.literal('existing-secret'),
        secretName: z.string({
          error:
            "is required with source 'existing-secret': a kubernetes.io/tls Secret's name, such as 'drexii-me-tls'",
        }),
      },
      "{ source: 'existing-secret', secretName: 'drexii-me-tls' }",
    ),
  ],
  "must be 'existing-secret' (a kubernetes.io/tls Secret you create) or 'cert-manager' (issued from a ClusterIssuer)",
  "{ source: 'cert-manager', clusterIssuer: 'letsencrypt-prod' }",
);

// postgres_exporter's own image (Prometheus community), pinned.
const EXPORTER_IMAGE = 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1';

const monitoring = settings(
  {
    enabled: z
      .boolean({
        error: 'must be true (an exporter and PodMonitors; the cluster needs the Prometheus Operator) or false',
      })
      .prefault(false),
    /** Namespace of Prometheus, which the database's NetworkPolicy lets reach the exporter's port. */
    prometheusNamespace: kubeName('dnsLabel').prefault('monitoring'),
    exporterImage: z.string().prefault(EXPORTER_IMAGE),
  },
  '{ enabled: true }',
)
  .prefault({})
  .superRefine((settings, context) => {
    // Enabled, the database construct checks the image; disabled, no construct reads it.
    if (!settings.enabled) {
      const checks = new PropChecks();
      checks.image('', settings.exporterImage, EXPORTER_IMAGE);
      checks.problems.forEach(problem =>
        context.addIssue({
          code: 'custom',
          path: ['exporterImage'],
          message: problem.message,
          input: settings.exporterImage,
        }),
      );
    }
  });

/**
 * The schema of a stack's settings. Parsing fills in every default, parses quantities into typed values, and
 * refuses unknown keys and the settings of another variant (workload, preset, TLS source).
 */
export const STACK_SCHEMA = settings(
  {
    /** Stage name; the output folder is `dist/<stage>/`. */
    stage: kubeName('dnsLabel'),
    /** `app.kubernetes.io/part-of` of every object, and the stack's prune label value. */
    stackName: kubeName('dnsLabel').prefault('stateful-todo'),
    /** The cluster's DNS domain (kubelet's `--cluster-domain`), under which every Service name is written. */
    clusterDomain: z.string().prefault(DEFAULT_CLUSTER_DOMAIN),
    database,
    app,
    ingress: settings(
      {
        namespace: kubeName('dnsLabel').prefault('default'),
        /** Namespace of the ingress controller's pods, which the app's NetworkPolicy lets reach the app's port. */
        controllerNamespace: kubeName('dnsLabel').prefault(APP_NETWORK_POLICY_DEFAULTS.ingressControllerNamespace),
        serviceName: z.string().prefault('stateful-flask-external'),
        name: z.string().prefault('stateful-flask'),
        ingressClassName: z.string().prefault(INGRESS_BRIDGE_DEFAULTS.ingressClassName),
        host: z.string().prefault('drexii.me'),
        path: z.string().prefault('/tasks'),
        tls: tls.optional(),
      },
      "{ host: 'todo.example.com' }",
    ).prefault({}),
    gitops: settings(
      {
        // Replace with the repository that holds this project (README, "Deploying").
        repoUrl: z.string().prefault('https://github.com/example/stateful-todo.git'),
        branch: z.string().prefault('main'),
        argoCdNamespace: kubeName('dnsLabel').prefault('argocd'),
        fluxNamespace: kubeName('dnsLabel').prefault('flux-system'),
        /** Flux Kustomizations that must be ready before this stage is applied, such as the cluster's `infrastructure`. */
        fluxDependsOn: z.array(z.string()).prefault([]),
      },
      "{ branch: 'main' }",
    ).prefault({}),
    monitoring,
  },
  '{}',
);

/** What a stage writes: only what differs from the defaults (`resolveConfig` adds the stage name). */
export type StackOverrides = Omit<z.input<typeof STACK_SCHEMA>, 'stage'>;

/** Everything that differs between two deployments of the stack: parsed and checked once, read by every chart. */
export type StackConfig = z.output<typeof STACK_SCHEMA>;
/** Where the Ingress's certificate comes from: a Secret someone creates, or cert-manager. */
export type IngressTlsConfig = NonNullable<StackConfig['ingress']['tls']>;

/** Each variant of `Variant`, its key `Key` optional. */
type WithOptionalKey<Variant, Key extends PropertyKey> = Variant extends unknown
  ? Omit<Variant, Key> & Partial<Pick<Variant, Key & keyof Variant>>
  : never;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
