import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { IDatabase, IDatabaseClient } from '../database/database';
import { ClientCredentials, DatabaseRole, secretKeyEnv } from '../database/database-credentials';
import { waitPodFailurePolicy, WAIT_SECONDS_ENV, withWaits } from '../database/job-script';
import { ROLES_JOB_DEADLINE } from '../database/postgres-roles';
import { IBridgeBackend } from '../ingress/ingress-bridge';
import { requireNamespace } from '../kube/chart-namespace';
import { checksum } from '../kube/checksum';
import {
  ComponentLabels,
  componentLabels,
  labelAllObjects,
  NAME_LABEL,
  INSTANCE_LABEL,
  selectorLabels,
} from '../kube/labels';
import { PropProblem, throwIfInvalid } from '../kube/prop-checks';
import { resourceRequirements, Resources } from '../kube/resources';
import { RestrictedContainer, restrictedPodSpec, tmpDirectory } from '../kube/restricted-pod';

import { TodoAppPreset } from './todo-app-preset';
import { checkTodoAppProps, ResolvedTodoAppProps, resolveTodoAppProps, TodoAppProps } from './todo-app-props';

const HTTP_PORT_NAME = 'http';
/** How long a terminating app pod keeps serving before it drains (see the preStop hook). */
export const PRE_STOP_DELAY_SECONDS = 5;
/** Pod template annotation: the SHA-256 of the database ConfigMap's data. */
export const CONFIG_CHECKSUM_ANNOTATION = 'todo-stack/config-checksum';
// The names the tutorial's app reads; the contract of both presets.
const ENV = { user: 'DB_USER', password: 'DB_PASSWORD', host: 'DB_HOST', port: 'DB_PORT', name: 'DB_NAME' } as const;
const WAIT_CONTAINER = 'wait-for-database';
// How long the migration pod waits for the database and its owner role: under kubectl or Flux it starts with the
// roles Job, which makes the role within its deadline or fails for good; two more minutes for that Job's pod to start.
const MIGRATION_WAIT = Duration.seconds(ROLES_JOB_DEADLINE.toSeconds() + 120);
// How long the migrations themselves may run, after the wait.
const MIGRATION_TIME_LIMIT = Duration.minutes(10);

/**
 * The todo web service: a Deployment whose database settings are all read off the database construct, its
 * ClusterIP Service, a migration Job that replaces the tutorial's `kubectl exec … flask db upgrade`, and, when
 * asked, a HorizontalPodAutoscaler and a PodDisruptionBudget.
 */
export class TodoApp extends Construct implements IDatabaseClient, IBridgeBackend {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: Omit<TodoAppProps, 'database'>): PropProblem[] {
    return checkTodoAppProps(resolveTodoAppProps(props));
  }

  /** `props` (but its database) with `TODO_APP_DEFAULTS` and the preset's defaults applied. */
  public static resolve(props: Omit<TodoAppProps, 'database'>): ResolvedTodoAppProps {
    return resolveTodoAppProps(props);
  }

  /** The namespace of the app's objects: its chart's. */
  public readonly namespace: string;
  /** Name of the Deployment, its Service, HPA and PDB, and the start of the migration Job's and ConfigMap's. */
  public readonly name: string;
  /** The image of the server and of the migration Job. */
  public readonly image: string;
  /** The port the server listens on and the Service serves. */
  public readonly port: number;
  /** What the image is and how it runs. */
  public readonly preset: TodoAppPreset;
  /** Replicas the Deployment starts with (the HPA's minimum when autoscaling). */
  public readonly replicas: number;
  /** What the migration Job runs. */
  public readonly migrationCommand: readonly string[];
  /** What the server and migration containers request, and their memory limit. */
  public readonly resources: Resources;
  /** Labels of every pod of the app, server and migration alike; the database admits them. */
  public readonly clientPodLabels: Record<string, string>;
  /** The ConfigMap `<name>-database`: DB_HOST, DB_PORT, DB_NAME. */
  public readonly configMap: ApiObject;
  /** The server's login: the database's service role (DB_USER), its password from a Secret in the app's namespace. */
  public readonly credentials: ClientCredentials;
  /** The migration Job's login: the database's owner role, its password from a Secret of its own. */
  public readonly migrationCredentials: ClientCredentials;
  /** The Deployment of the server pods. */
  public readonly deployment: ApiObject;
  /** The ClusterIP Service in front of the server pods, on `port`. */
  public readonly service: ApiObject;
  /** The Job that migrates the schema, `<name>-migrate-<hash of its spec>`: a new one whenever its spec changes. */
  public readonly migrationJob: ApiObject;
  /** The HorizontalPodAutoscaler (autoscaling/v2) of the Deployment; undefined without `autoscaling`. */
  public readonly autoscaler?: ApiObject;
  /** The PodDisruptionBudget (one pod unavailable at most); undefined unless there is more than one replica. */
  public readonly podDisruptionBudget?: ApiObject;
  /** Labels selecting the server pods (not the migration Job's). */
  public readonly serverSelector: Record<string, string>;
  /** The container port name that serves HTTP (and, with a preset that has them, metrics). */
  public readonly httpPortName = HTTP_PORT_NAME;

  private readonly database: IDatabase;

  constructor(scope: Construct, id: string, unresolved: TodoAppProps) {
    super(scope, id);
    const props = resolveTodoAppProps(unresolved);
    throwIfInvalid(this, checkTodoAppProps(props));
    this.namespace = requireNamespace(this);
    this.database = unresolved.database;
    this.preset = props.preset;
    this.name = props.name;
    this.image = props.image;
    this.port = props.port;
    this.replicas = props.autoscaling?.minReplicas ?? props.replicas;
    this.migrationCommand = props.migrationCommand;
    this.resources = props.resources;
    const instance = selectorLabels(this, this.identity('server'))[INSTANCE_LABEL];
    this.clientPodLabels = { [NAME_LABEL]: this.name, ...(instance ? { [INSTANCE_LABEL]: instance } : {}) };

    this.configMap = new k8s.KubeConfigMap(this, 'DatabaseConfig', {
      metadata: { name: `${this.name}-database` },
      data: {
        [ENV.host]: this.database.host,
        [ENV.port]: String(this.database.port),
        [ENV.name]: this.database.databaseName,
      },
    });
    this.credentials = this.database.bindClient(this, `${this.name}-db-credentials`, DatabaseRole.SERVICE);
    this.migrationCredentials = this.database.bindClient(
      this,
      `${this.name}-migration-credentials`,
      DatabaseRole.OWNER,
    );

    const serverSelector = selectorLabels(this, this.identity('server'));
    this.serverSelector = serverSelector;
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name },
      spec: {
        // With an HPA, a replicas field would reset its count on every apply (and fight a GitOps sync).
        replicas: props.autoscaling ? undefined : this.replicas,
        selector: { matchLabels: serverSelector },
        strategy: {
          type: 'RollingUpdate',
          // Never below the desired count during a rollout, so one replica still means no downtime.
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
        },
        template: {
          metadata: {
            labels: componentLabels(this, this.identity('server')),
            // Env from a ConfigMap is read at start only: a new checksum rolls the pods when the settings change.
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum(this.configMap.toJson().data) },
          },
          spec: this.podSpec(this.credentials, {
            restartPolicy: 'Always',
            // The endpoint removal of a terminating pod takes a moment to reach every node's proxy and the ingress
            // controller; until then they still send it requests. The preStop delay keeps serving through that
            // moment, then SIGTERM drains what is in flight. Well within the 30 s grace period.
            terminationGracePeriodSeconds: 30,
            container: {
              name: 'app',
              command: this.preset.serverCommand ? [...this.preset.serverCommand] : undefined,
              env: [
                ...('env' in this.preset.listenPort
                  ? [{ name: this.preset.listenPort.env, value: String(this.port) }]
                  : []),
                ...(props.taskListCache !== undefined && this.preset.taskListCacheEnv
                  ? [{ name: this.preset.taskListCacheEnv, value: props.taskListCache ? 'on' : 'off' }]
                  : []),
              ],
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_DELAY_SECONDS)] } } },
              ports: [{ name: HTTP_PORT_NAME, containerPort: this.port, protocol: 'TCP' }],
              readinessProbe: {
                ...this.preset.readinessProbe(HTTP_PORT_NAME),
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              livenessProbe: {
                ...this.preset.livenessProbe(HTTP_PORT_NAME),
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 6,
              },
              startupProbe: { ...this.preset.livenessProbe(HTTP_PORT_NAME), periodSeconds: 5, failureThreshold: 30 },
            },
            topologySpreadConstraints:
              this.replicas > 1
                ? [
                    {
                      maxSkew: 1,
                      topologyKey: 'kubernetes.io/hostname',
                      whenUnsatisfiable: 'ScheduleAnyway',
                      labelSelector: { matchLabels: serverSelector },
                    },
                  ]
                : undefined,
          }),
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name },
      spec: {
        type: 'ClusterIP',
        selector: serverSelector,
        ports: [
          {
            name: HTTP_PORT_NAME,
            port: this.port,
            targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME),
            protocol: 'TCP',
          },
        ],
      },
    });

    // The deadline is the wait and the migrations' own time: a pod that waited its full bound still gets all of it.
    // A wait that gives up fails the Job at once (podFailurePolicy, on the init container only): a retry would wait
    // again; backoffLimit is for the migration itself.
    const jobSpec: k8s.JobSpec = {
      backoffLimit: 4,
      activeDeadlineSeconds: MIGRATION_WAIT.toSeconds() + MIGRATION_TIME_LIMIT.toSeconds(),
      ttlSecondsAfterFinished: props.migrationJobTtl.toSeconds(),
      template: {
        metadata: { labels: componentLabels(this, this.identity('migration')) },
        spec: this.podSpec(this.migrationCredentials, {
          restartPolicy: 'Never',
          container: { name: 'migrate', command: [...this.migrationCommand], env: [] },
          waitForLogin: true,
        }),
      },
    };
    const podFailurePolicy = waitPodFailurePolicy(WAIT_CONTAINER);
    this.migrationJob = new k8s.KubeJob(this, 'Migration', {
      // A Job's spec.template is immutable. The name hashes the whole rendered spec (images, command, env,
      // resources, labels), so any change gives a new Job, which runs, and re-applying the same one changes nothing.
      metadata: {
        name: `${this.name}-migrate-${checksum({ ...k8s.toJson_JobSpec(jobSpec), podFailurePolicy }).slice(0, 8)}`,
      },
      spec: jobSpec,
    });
    this.migrationJob.addJsonPatch(JsonPatch.add('/spec/podFailurePolicy', podFailurePolicy));

    if (props.autoscaling) {
      this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.name },
        spec: {
          scaleTargetRef: {
            apiVersion: this.deployment.apiVersion,
            kind: this.deployment.kind,
            name: this.deployment.name,
          },
          minReplicas: this.replicas,
          maxReplicas: props.autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: {
                  type: 'Utilization',
                  averageUtilization: props.autoscaling.cpuUtilizationPercent,
                },
              },
            },
          ],
        },
      });
    }

    if (this.replicas > 1) {
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: serverSelector } },
      });
    }

    this.database.allowClient(this);
    labelAllObjects(this, componentLabels(this, this.identity('server')));
    labelAllObjects(this.migrationJob, componentLabels(this, this.identity('migration')));
  }

  /** The app Service's name, for an ingress bridge. */
  public get serviceName(): string {
    return this.service.name;
  }

  /** The app Service's namespace, for an ingress bridge. */
  public get serviceNamespace(): string {
    return this.namespace;
  }

  /** The app Service's port, for an ingress bridge. */
  public get servicePort(): number {
    return this.port;
  }

  private identity(component: 'server' | 'migration'): ComponentLabels {
    return { name: this.name, component, version: imageVersion(this.image) };
  }

  private podSpec(
    credentials: ClientCredentials,
    options: {
      restartPolicy: 'Always' | 'Never';
      terminationGracePeriodSeconds?: number;
      container: Omit<RestrictedContainer, 'image'>;
      topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
      /** Whether the init container also waits, bounded, for the role to log in (the migration's owner role). */
      waitForLogin?: boolean;
    },
  ): k8s.PodSpec {
    const fromConfig = (key: string): k8s.EnvVar => ({
      name: key,
      valueFrom: { configMapKeyRef: { name: this.configMap.name, key } },
    });
    const databaseEnv: k8s.EnvVar[] = [
      fromConfig(ENV.host),
      fromConfig(ENV.port),
      fromConfig(ENV.name),
      { name: ENV.user, value: credentials.user },
      secretKeyEnv(ENV.password, credentials.password),
    ];
    const waitResources = {
      requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
      limits: { memory: k8s.Quantity.fromString('64Mi') },
    };
    return restrictedPodSpec({
      restartPolicy: options.restartPolicy,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
      runAs: this.preset.runAsUser,
      topologySpreadConstraints: options.topologySpreadConstraints,
      initContainers: [
        options.waitForLogin
          ? {
              // The migration logs in as the owner role, which under kubectl or Flux the roles Job may not have made
              // yet: the database Jobs' bounded waits (scripts/wait.sh; the database image has sh, pg_isready and
              // psql) for the server, then for the role to log in, in libpq's variables (PGUSER is named: the pod's
              // uid has no entry in that image's /etc/passwd).
              name: WAIT_CONTAINER,
              image: this.database.clientToolsImage,
              command: ['/bin/sh', '-c', withWaits('wait_for_server migration\nwait_for_login migration\n')],
              env: [
                { name: 'PGHOST', valueFrom: fromConfig(ENV.host).valueFrom },
                { name: 'PGPORT', valueFrom: fromConfig(ENV.port).valueFrom },
                { name: 'PGDATABASE', valueFrom: fromConfig(ENV.name).valueFrom },
                { name: 'PGUSER', value: credentials.user },
                secretKeyEnv('PGPASSWORD', credentials.password),
                { name: 'PGCONNECT_TIMEOUT', value: '10' },
                { name: WAIT_SECONDS_ENV, value: String(MIGRATION_WAIT.toSeconds()) },
              ],
              resources: waitResources,
            }
          : {
              // The database image brings pg_isready; the app then starts against a database that accepts
              // connections. It names its user and database: the pod's uid has no entry in that image's
              // /etc/passwd, and without a user name libpq gives up before connecting ("no attempt"), so the pod
              // would wait forever. Unbounded: a server pod that cannot start yet keeps waiting, as a Deployment's may.
              name: WAIT_CONTAINER,
              image: this.database.clientToolsImage,
              command: [
                '/bin/sh',
                '-c',
                `until pg_isready -h "$${ENV.host}" -p "$${ENV.port}" -U "$${ENV.user}" -d "$${ENV.name}" -t 2; ` +
                  `do echo "waiting for $${ENV.host}:$${ENV.port}"; sleep 2; done`,
              ],
              env: databaseEnv.filter(env => env.name !== ENV.password),
              resources: waitResources,
            },
      ],
      container: {
        ...options.container,
        image: this.image,
        env: [...databaseEnv, ...(options.container.env ?? [])],
        resources: resourceRequirements(this.resources),
        readOnlyRootFilesystem: this.preset.readOnlyRootFilesystem,
      },
      scratch: [tmpDirectory('64Mi')],
    });
  }
}
