import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

import { ClientCredentials, ClientRole } from './database-credentials';
import type { BackupDatabase } from './postgres-backup';

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
  /** Namespace of the database's objects and pods. */
  readonly namespace: string;
  /** Labels selecting the PostgreSQL server pods (what a client's egress policy lets it reach). */
  readonly selector: Record<string, string>;
  /** The DNS name clients connect to. */
  readonly host: string;
  /** The port clients connect to. */
  readonly port: number;
  /** The database clients use. */
  readonly databaseName: string;
  /** An image with the PostgreSQL client tools (`pg_isready`) of the server's version. */
  readonly clientToolsImage: string;
  /**
   * The Secrets the cluster must provide in a client's namespace for it to log in as `roles`; empty when the
   * database emits them.
   */
  providedClientSecrets(roles: readonly ClientRole[]): string[];
  /**
   * What a client logs in as to act as `role` (CloudNativePG: always its owner): the role's name, and its password
   * in a Secret of `scope`'s namespace, named `secretName` when the database emits it.
   */
  bindClient(scope: Construct, secretName: string, role: ClientRole): ClientCredentials;
  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  allowClient(client: IDatabaseClient): void;
}

/**
 * A PostgreSQL database the stack runs, whichever workload: what the charts need besides what clients need.
 */
export interface IDatabaseServer extends IDatabase {
  /** Base name of the database's objects. */
  readonly name: string;
  /** The PostgreSQL image, pinned. */
  readonly image: string;
  /** The container port of the server pods that serves Prometheus metrics, when they serve any. */
  readonly metricsPortName: string;
  /** Lets the pods of `namespace` (Prometheus's) reach the metrics port, and only that port. */
  allowMetricsScraper(namespace: string): void;
  /**
   * The objects that hold the data and go with nothing else: no prune, and no deletion of the Argo CD Application
   * or Flux Kustomization, may delete them. Empty when the workload keeps its claims itself (a StatefulSet retains
   * its claim templates' claims).
   */
  readonly dataObjects: readonly ApiObject[];
  /** The Job that makes the database's login roles on every deploy, before any client starts; none when the workload makes them. */
  readonly rolesJob?: ApiObject;
  /** The workload's own backup objects, applied once the database is healthy; none when it has none. */
  readonly backupObjects: readonly IConstruct[];
  /**
   * The database as a pg_dump client sees it, when the stack backs it up with dumps (`PostgresBackup`); undefined
   * when the workload backs itself up (CloudNativePG, to an object store).
   */
  readonly dumpSource?: BackupDatabase;
}
