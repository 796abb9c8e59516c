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
  readonly credentials: DatabaseCredentials;
  readonly name: string;
  readonly image: string;
  readonly databaseName: string;
  readonly user: string;
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
  public readonly name: string;
  public readonly image: string;
  public readonly databaseName: string;
  public readonly user: string;
  public readonly port: number = POSTGRES_PORT;
  public readonly credentials: DatabaseCredentials;
  public readonly clusterDomain: string;
  /** The name of the container port that serves metrics, when the pods serve any. */
  public readonly metricsPortName = METRICS_PORT_NAME;
  /** Labels selecting the database pods. */
  public abstract readonly selector: Record<string, string>;
  public abstract readonly dataObjects: readonly ApiObject[];
  public abstract readonly backupObjects: readonly IConstruct[];
  public abstract readonly rolesJob?: ApiObject;
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

  public abstract get host(): string;
  public abstract providedClientSecrets(roles: readonly ClientRole[]): string[];
  public abstract bindClient(scope: Construct, secretName: string, role: ClientRole): ClientCredentials;
  public abstract allowClient(client: IDatabaseClient): void;
  public abstract allowMetricsScraper(namespace: string): void;
}
