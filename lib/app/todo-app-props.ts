import { imageRepository } from '@stateful-todo/kube-conventions';
import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

import { IDatabase } from '../database/database';
import { PropChecks, PropProblem } from '../kube/prop-checks';
import { checkResources, Resources } from '../kube/resources';

import { AppPreset, TodoAppPreset } from './todo-app-preset';

/** A HorizontalPodAutoscaler of the app's Deployment, on its pods' CPU use. */
export interface TodoAppAutoscaling {
  /**
   * The fewest replicas the HPA keeps.
   * @default TODO_APP_DEFAULTS.autoscaling.minReplicas
   */
  readonly minReplicas?: number;
  /** The most replicas the HPA scales the Deployment up to. */
  readonly maxReplicas: number;
  /**
   * Target average CPU use, as a percentage of the CPU request.
   * @default TODO_APP_DEFAULTS.autoscaling.cpuUtilizationPercent
   */
  readonly cpuUtilizationPercent?: number;
}

/**
 * Props of a `TodoApp`: the database it uses, its image and how that runs (the preset), its name, port, replicas,
 * resources and migration.
 */
export interface TodoAppProps {
  /** The database the app connects to; host, port, database name, user and credentials are read off it. */
  readonly database: IDatabase;
  /**
   * What the image is and how it runs: its port, commands, probes and uid.
   * @default TODO_APP_DEFAULTS.preset
   */
  readonly preset?: TodoAppPreset;
  /**
   * Name of the Deployment and of its ClusterIP Service; the migration Job is `<name>-migrate-<hash>`.
   * @default TODO_APP_DEFAULTS.name
   */
  readonly name?: string;
  /**
   * The app's image, pinned.
   * @default - the preset's image
   */
  readonly image?: string;
  /**
   * The port the server listens on, and the Service's.
   * @default - the preset's fixed port, else TODO_APP_DEFAULTS.port
   */
  readonly port?: number;
  /**
   * Replicas of the Deployment. Ignored when `autoscaling` is set: the HPA owns the count then.
   * @default TODO_APP_DEFAULTS.replicas
   */
  readonly replicas?: number;
  /**
   * What the migration Job runs.
   * @default - the preset's migration command
   */
  readonly migrationCommand?: readonly string[];
  /**
   * A HorizontalPodAutoscaler (autoscaling/v2) on CPU.
   * @default - none
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly autoscaling?: TodoAppAutoscaling;
  /**
   * What the server and migration containers request, and their memory limit.
   * @default TODO_APP_DEFAULTS.resources
   */
  readonly resources?: Resources;
  /**
   * How long a finished migration Job is kept before Kubernetes deletes it.
   * @default TODO_APP_DEFAULTS.migrationJobTtl
   */
  readonly migrationJobTtl?: Duration;
  /**
   * Whether the server answers `GET /tasks` from memory while it listens for changes (the preset's
   * `taskListCacheEnv`). `false` makes every `GET /tasks` read the database: a client then always sees its own
   * write, whichever pod it reaches, at a fraction of the throughput. Only for a preset whose image has it
   * (`node-service`). Changing it rolls the Deployment's pods, like any change to their template.
   * @default - the image's own default (on, for node-service), with no variable set
   */
  readonly taskListCache?: boolean;
}

/** The defaults of a TodoApp, in one place: the stack's config starts from them too. */
export const TODO_APP_DEFAULTS = {
  preset: TodoAppPreset.FLASK,
  name: 'stateful-flask',
  port: 5000,
  replicas: 1,
  resources: {
    cpuRequest: Cpu.millis(100),
    memoryRequest: Size.mebibytes(128),
    memoryLimit: Size.mebibytes(256),
  } as Resources,
  migrationJobTtl: Duration.days(1),
  autoscaling: { minReplicas: 2, cpuUtilizationPercent: 70 },
} as const;

/** `TodoAppAutoscaling` with every default applied. */
export type ResolvedTodoAppAutoscaling = Required<TodoAppAutoscaling>;

/** `TodoAppProps` (but its database) with `TODO_APP_DEFAULTS` and the preset's defaults applied. */
export interface ResolvedTodoAppProps extends Required<
  Omit<TodoAppProps, 'database' | 'autoscaling' | 'taskListCache'>
> {
  /** The HPA's settings with their defaults applied; undefined when the app has no HPA. */
  readonly autoscaling?: ResolvedTodoAppAutoscaling;
  /** Whether the server keeps the task list in memory; undefined leaves the image's own default. */
  readonly taskListCache?: boolean;
}

// The migration Job is `<name>-migrate-<8 hex>`, and its pods carry that name in a label of 63 characters at most.
const MIGRATION_JOB_SUFFIX_LENGTH = '-migrate-'.length + 8;

/** Applies `TODO_APP_DEFAULTS`, and the preset's image, port and migration command, to `props`. */
export function resolveTodoAppProps(props: Omit<TodoAppProps, 'database'>): ResolvedTodoAppProps {
  const preset = props.preset ?? TODO_APP_DEFAULTS.preset;
  const autoscaling = props.autoscaling;
  return {
    preset,
    name: props.name ?? TODO_APP_DEFAULTS.name,
    image: props.image ?? preset.defaultImage,
    port: props.port ?? fixedPortOf(preset) ?? TODO_APP_DEFAULTS.port,
    replicas: props.replicas ?? TODO_APP_DEFAULTS.replicas,
    migrationCommand: props.migrationCommand ?? preset.migrationCommand,
    autoscaling:
      autoscaling === undefined
        ? undefined
        : {
            minReplicas: autoscaling.minReplicas ?? TODO_APP_DEFAULTS.autoscaling.minReplicas,
            maxReplicas: autoscaling.maxReplicas,
            cpuUtilizationPercent:
              autoscaling.cpuUtilizationPercent ?? TODO_APP_DEFAULTS.autoscaling.cpuUtilizationPercent,
          },
    resources: props.resources ?? TODO_APP_DEFAULTS.resources,
    migrationJobTtl: props.migrationJobTtl ?? TODO_APP_DEFAULTS.migrationJobTtl,
    taskListCache: props.taskListCache,
  };
}

/** What is wrong with resolved props, each problem naming the prop, the value and the fix; empty when all is well. */
export function checkTodoAppProps(props: ResolvedTodoAppProps): PropProblem[] {
  const checks = new PropChecks();
  const preset = props.preset;
  checks.name(
    'name',
    props.name,
    'dns1035Label',
    63 - MIGRATION_JOB_SUFFIX_LENGTH,
    "the migration Job is '<name>-migrate-<8 characters>', a label value of at most 63",
  );
  const image = props.image;
  checks.image('image', image, preset.defaultImage);
  const imagePreset = presetOfImage(image);
  if (imagePreset !== undefined && imagePreset !== preset) {
    checks.add(
      'image',
      image,
      `is the image of preset '${imagePreset.name}', not of preset '${preset.name}' (its pods would ` +
        `crash-loop): set preset to '${imagePreset.name}', or image to one made for '${preset.name}', such as '${preset.defaultImage}'`,
    );
  }
  const fixedPort = fixedPortOf(preset);
  const port = props.port;
  checks.port('port', port);
  if (fixedPort !== undefined && port !== fixedPort && Number.isInteger(port) && port >= 1 && port <= 65535) {
    checks.add(
      'port',
      port,
      `must be ${fixedPort} with the '${preset.name}' preset, whose image always listens on ` +
        `${fixedPort}; leave it unset, or use a preset whose image reads its port (such as 'node-service', which reads PORT)`,
    );
  }
  checks.integer('replicas', props.replicas, 1, 1000, 'must be a whole number from 1 to 1000');
  checks.command('migrationCommand', props.migrationCommand, "['node', 'dist/migrate.js']");
  if (props.autoscaling !== undefined) {
    const minReplicas = props.autoscaling.minReplicas;
    checks.integer('autoscaling.minReplicas', minReplicas, 1, 1000, 'must be a whole number from 1 to 1000');
    checks.integer(
      'autoscaling.maxReplicas',
      props.autoscaling.maxReplicas,
      Math.max(1, Number(minReplicas) || 1),
      1000,
      'must be a whole number from autoscaling.minReplicas to 1000',
    );
    checks.integer(
      'autoscaling.cpuUtilizationPercent',
      props.autoscaling.cpuUtilizationPercent,
      1,
      1000,
      'must be a whole percentage of the CPU request, such as 70',
    );
  }
  checkResources(checks, 'resources', props.resources);
  if (props.taskListCache !== undefined && typeof props.taskListCache !== 'boolean') {
    checks.add(
      'taskListCache',
      props.taskListCache,
      'must be true (GET /tasks from memory while the pod listens for changes) ' +
        'or false (every GET /tasks reads the database)',
    );
  } else if (props.taskListCache !== undefined && preset.taskListCacheEnv === undefined) {
    checks.add(
      'taskListCache',
      props.taskListCache,
      `the '${preset.name}' preset's image keeps no task list in memory, ` +
        "so there is nothing to turn on or off: leave it unset, or use the 'node-service' preset",
    );
  }
  return checks.problems;
}

/** The port a preset's image always listens on; undefined when the image reads its port. */
function fixedPortOf(preset: TodoAppPreset): number | undefined {
  return 'fixed' in preset.listenPort ? preset.listenPort.fixed : undefined;
}

/** The preset whose own image `image` is (any tag or digest of its repository); undefined for any other image. */
function presetOfImage(image: unknown): TodoAppPreset | undefined {
  return typeof image === 'string'
    ? Object.values(AppPreset)
        .map(name => TodoAppPreset.of(name))
        .find(preset => imageRepository(preset.defaultImage) === imageRepository(image))
    : undefined;
}
