import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { PropProblem } from '../kube/prop-checks';

import {
  PostgresDatabase,
  PostgresDatabaseProps,
  resolvePostgresDatabaseProps,
  ResolvedPostgresDatabaseProps,
} from './postgres-database';
import { DATA_VOLUME_NAME, postgresServicePort } from './postgres-pod';

/** Props of a `PostgresStatefulSet`: those of every `PostgresDatabase`, and its replicas (one). */
export interface PostgresStatefulSetProps extends PostgresDatabaseProps {
  /**
   * Must be 1. StatefulSet replicas of plain PostgreSQL are independent, empty databases behind one Service —
   * not replicas — so a client would see a different database on every connection.
   * @default POSTGRES_STATEFUL_SET_DEFAULTS.replicas
   */
  readonly replicas?: number;
}

/** The defaults a PostgresStatefulSet adds to `POSTGRES_DEFAULTS`. */
export const POSTGRES_STATEFUL_SET_DEFAULTS = {
  replicas: 1,
} as const;

/** `PostgresStatefulSetProps` with every default applied. */
export interface ResolvedPostgresStatefulSetProps extends ResolvedPostgresDatabaseProps {
  /** Replicas of the StatefulSet: 1. */
  readonly replicas: number;
}

// The controller-revision-hash label of a StatefulSet's pods is `<name>-<10 characters>`, a label value of 63 at most.
const STATEFUL_SET_NAME_MAX_LENGTH = 52;

/**
 * PostgreSQL as part 2 of the tutorial runs it, without its mistakes: a StatefulSet whose `serviceName` is a
 * headless Service it owns, a `ReadWriteOnce` claim template retained when the set is deleted or scaled, and a
 * separate ClusterIP Service (with its own name) for clients.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
export class PostgresStatefulSet extends PostgresDatabase {
  /** Replicas of the StatefulSet: 1. */
  public readonly replicas: number;
  /** The headless Service that gives the pods their stable DNS names; the StatefulSet's `serviceName`. */
  public readonly headlessService: ApiObject;
  /** The StatefulSet `<name>` of the PostgreSQL pod, with its data volume's claim template. */
  public readonly statefulSet: ApiObject;
  /** None: the set retains the claims of its claim templates when it is deleted or scaled down. */
  public readonly dataObjects: readonly ApiObject[] = [];

  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: PostgresStatefulSetProps): PropProblem[] {
    return PostgresStatefulSet.checkResolved(PostgresStatefulSet.resolve(props));
  }

  /** `props` with `POSTGRES_DEFAULTS` and `POSTGRES_STATEFUL_SET_DEFAULTS` applied. */
  public static resolve(props: PostgresStatefulSetProps): ResolvedPostgresStatefulSetProps {
    return {
      ...resolvePostgresDatabaseProps(props),
      replicas: props.replicas ?? POSTGRES_STATEFUL_SET_DEFAULTS.replicas,
    };
  }

  private static checkResolved(props: ResolvedPostgresStatefulSetProps): PropProblem[] {
    const problems = PostgresDatabase.checkCommonProps(
      props,
      STATEFUL_SET_NAME_MAX_LENGTH,
      "a StatefulSet's pods carry the label 'controller-revision-hash: <name>-<10 characters>', at most 63",
    );
    const replicas = props.replicas;
    if (replicas !== 1) {
      problems.push({
        prop: 'replicas',
        value: replicas,
        message:
          'must be 1 for a single-primary PostgreSQL without replication: extra StatefulSet pods would be ' +
          'independent, empty databases behind one Service, not replicas; use an operator such as CloudNativePG ' +
          'for replication',
      });
    }
    return problems;
  }

  constructor(scope: Construct, id: string, unresolved: PostgresStatefulSetProps) {
    const props = PostgresStatefulSet.resolve(unresolved);
    super(scope, id, props, PostgresStatefulSet.checkResolved(props));
    this.replicas = props.replicas;

    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: `${this.name}-headless` },
      spec: {
        clusterIp: 'None',
        // Pod DNS records must exist before the pod is ready, or a restarting primary is unreachable by name.
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [postgresServicePort(this.port)],
      },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: this.name },
      spec: {
        serviceName: this.headlessService.name,
        replicas: this.replicas,
        selector: { matchLabels: this.selector },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        // Deleting the set or scaling it down never deletes a volume, and so never deletes data.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: this.podTemplate(),
        volumeClaimTemplates: [
          {
            // The claims the controller creates carry the database's selector labels, so they can be found after the
            // set is gone. Only those: claim templates are immutable, so a label that changes with a version (the
            // image tag) would make the API server reject the next database upgrade.
            metadata: { name: DATA_VOLUME_NAME, labels: this.selector },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: this.storageClassName,
              resources: { requests: { storage: this.storageQuantity } },
            },
          },
        ],
      },
    });
    this.labelObjects();
  }
}
