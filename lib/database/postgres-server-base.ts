import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

import { requireNamespace } from '../kube/chart-namespace';
import { PropProblem, throwIfInvalid } from '../kube/prop-checks';

import { IDatabaseClient, IDatabaseServer } from './database';
import { ClientCredentials, ClientRole, DatabaseCredentials } from './database-credentials';
import type { BackupDatabase } from './postgres-backup';
import { METRICS_PORT_NAME, POSTGRES_PORT } from './postgres-pod';

/** What every PostgreSQL construct has resolved before it builds anything, whichever workload runs it. */
export interface ResolvedPostgresServerProps {
  /** The passwords' source. */
  readonly credentials: DatabaseCredentials;
  /** Base name of the database's objects. */
  readonly name: string;
  /** The PostgreSQL image, pinned. */
  readonly image: string;
  /** The database clients use. */
  readonly databaseName: string;
  /** The bootstrap superuser (StatefulSet, Deployment) or the owner (CloudNativePG). */
  readonly user: string;
  /** The cluster's DNS domain, under which `host` is written. */
  readonly clusterDomain: string;
}

/**
 * What `PostgresDatabase` (StatefulSet, Deployment) and `PostgresCluster` (CloudNativePG) share: the members every
 * PostgreSQL server exposes, assigned once from resolved props after their problems are thrown. Each workload
 * adds its objects, its host, its selector and how clients are let in.
 */
export abstract class PostgresServerBase extends Construct implements IDatabaseServer {
  /** Namespace of the database objects (the chart's). */
  public readonly namespace: string;
  /** Base name of the database's objects. */
  public readonly name: string;
  /** The PostgreSQL image, pinned. */
  public readonly image: string;
  /** The database clients use. */
  public readonly databaseName: string;
  /** The bootstrap superuser (StatefulSet, Deployment) or the owner clients log in as (CloudNativePG). */
  public readonly user: string;
  /** The port clients connect to: PostgreSQL's 5432. */
  public readonly port: number = POSTGRES_PORT;
  /** The passwords' source. */
  public readonly credentials: DatabaseCredentials;
  /** The cluster's DNS domain, under which `host` is written. */
  public readonly clusterDomain: string;
  /** The name of the container port that serves metrics, when the pods serve any. */
  public readonly metricsPortName = METRICS_PORT_NAME;
  /** Labels selecting the database pods. */
  public abstract readonly selector: Record<string, string>;
  /** The objects that hold the data, which no prune or GitOps deletion may delete; empty when none need keeping. */
  public abstract readonly dataObjects: readonly ApiObject[];
  /** The workload's own backup objects, applied once the database is healthy; empty when it has none. */
  public abstract readonly backupObjects: readonly IConstruct[];
  /** The Job that makes the database's login roles on every deploy; undefined when the workload makes them. */
  public abstract readonly rolesJob?: ApiObject;
  /** The database as a pg_dump client sees it; undefined when the workload backs itself up. */
  public abstract readonly dumpSource?: BackupDatabase;

  /**
   * @param props the workload's props, every default applied
   * @param problems what the workload found wrong with `props` (its `checkProps`), thrown before anything is made
   */
  protected constructor(
    scope: Construct,
    id: string,
    props: ResolvedPostgresServerProps,
    problems: readonly PropProblem[],
  ) {
    super(scope, id);
    throwIfInvalid(this, problems);
    this.namespace = requireNamespace(this);
    this.name = props.name;
    this.image = props.image;
    this.databaseName = props.databaseName;
    this.user = props.user;
    this.credentials = props.credentials;
    this.clusterDomain = props.clusterDomain;
  }

  /** The database's own image, which brings `pg_isready` of the server's version. */
  public get clientToolsImage(): string {
    return this.image;
  }

  /** The DNS name clients connect to. */
  public abstract get host(): string;
  /** The Secrets the cluster must provide in a client's namespace for it to log in as `roles`; empty when emitted. */
  public abstract providedClientSecrets(roles: readonly ClientRole[]): string[];
  /** What a client logs in as to act as `role`: the role's name, its password in a Secret of `scope`'s namespace. */
  public abstract bindClient(scope: Construct, secretName: string, role: ClientRole): ClientCredentials;
  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  public abstract allowClient(client: IDatabaseClient): void;
  /** Lets the pods of `namespace` (Prometheus's) reach the metrics port, and only that port. */
  public abstract allowMetricsScraper(namespace: string): void;
}
