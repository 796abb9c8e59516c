import { Construct, IConstruct } from 'constructs';
import { ClientCredentials } from './database-credentials';

/** Something that connects to a database: its pods are let through the database's NetworkPolicy. */
export interface IDatabaseClient extends IConstruct {
  /** Namespace of the client's pods. */
  readonly namespace: string;
  /** Labels that every pod of the client carries (server and migration Job alike). */
  readonly clientPodLabels: Record<string, string>;
}

/**
 * What a client needs from a PostgreSQL database, whichever workload runs it: where it is, what to log in as,
 * how to get the password into the client's own namespace, and how to be let in.
 */
export interface IDatabase extends IConstruct {
  /** The DNS name clients connect to. */
  readonly host: string;
  readonly port: number;
  /** The database clients use. */
  readonly databaseName: string;
  /** The user clients log in as. */
  readonly user: string;
  /** An image with the PostgreSQL client tools (`pg_isready`) of the server's version. */
  readonly clientToolsImage: string;
  /**
   * The Secret the cluster must provide in every client's namespace, when the database does not emit it.
   * @default - the database emits each client's Secret
   */
  readonly providedClientSecret?: string;
  /** The client's credentials: a Secret named `secretName` in `scope`'s namespace, with the user and password. */
  bindClient(scope: Construct, secretName: string): ClientCredentials;
  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  allowClient(client: IDatabaseClient): void;
}

/**
 * A PostgreSQL database the stack runs, whichever workload: what the charts need besides what clients need.
 */
export interface IDatabaseServer extends IDatabase {
  /** Namespace of the database's objects. */
  readonly namespace: string;
  /** Base name of the database's objects. */
  readonly name: string;
  /** The PostgreSQL image, pinned. */
  readonly image: string;
  /** Labels selecting the PostgreSQL server pods (what a PodMonitor selects). */
  readonly selector: Record<string, string>;
  /** The container port of the server pods that serves Prometheus metrics, when they serve any. */
  readonly metricsPortName: string;
  /** Lets the pods of `namespace` (Prometheus's) reach the metrics port, and only that port. */
  allowMetricsScraper(namespace: string): void;
}
