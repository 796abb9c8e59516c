import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { requireNamespace } from '../kube/chart-namespace';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { componentLabels, labelAllObjects } from '../kube/labels';
import { PROVIDED_SECRETS_ANNOTATION } from '@stateful-todo/kube-conventions';

/** A ClusterIP Service in another namespace that the bridge exposes. */
export interface IBridgeBackend {
  readonly namespace: string;
  /** The Service's in-cluster DNS name (`<service>.<namespace>.svc.cluster.local`). */
  readonly serviceHost: string;
  /** The Service's port. */
  readonly port: number;
  /** The image the backend runs, for the version label. */
  readonly image: string;
  readonly name: string;
}

export interface IngressBridgeProps {
  /** The app to expose; its Service's DNS name and port are read off it. */
  readonly backend: IBridgeBackend;
  /** Host name the Ingress answers for, without a scheme. */
  readonly host: string;
  /**
   * Path prefix routed to the backend.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Name of the ExternalName Service in the bridge's namespace.
   * @default - the backend's name with `-external`
   */
  readonly serviceName?: string;
  /**
   * Name of the Ingress.
   * @default - the backend's name
   */
  readonly ingressName?: string;
  /**
   * The IngressClass; without one, the Ingress depends on a cluster default class that may not exist.
   * @default 'nginx'
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly ingressClassName?: string;
  /**
   * TLS for `host`: an existing `kubernetes.io/tls` Secret, or one that cert-manager issues.
   * @default - no TLS (plain HTTP)
   */
  readonly tls?: IngressTls;
}

/** cert-manager's ingress-shim annotation: issue the Ingress's TLS Secrets from this ClusterIssuer. */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

/**
 * Where an Ingress's TLS certificate comes from.
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
 */
export class IngressTls {
  /** A `kubernetes.io/tls` Secret that someone creates in the ingress namespace (the stack only references it). */
  public static fromSecret(secretName: string): IngressTls {
    return new IngressTls(() => secretName, { [PROVIDED_SECRETS_ANNOTATION]: secretName });
  }

  /**
   * cert-manager issues the certificate from `clusterIssuer` (which must exist in the cluster) into `secretName`.
   * @param secretName @default - the host with dots as dashes and `-tls` (`drexii.me` → `drexii-me-tls`)
   * @see https://cert-manager.io/docs/usage/ingress/
   */
  public static fromClusterIssuer(clusterIssuer: string, secretName?: string): IngressTls {
    return new IngressTls(host => secretName ?? `${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}-tls`,
      { [CLUSTER_ISSUER_ANNOTATION]: clusterIssuer });
  }

  private constructor(
    /** The Secret's name for a host. */
    public readonly secretNameFor: (host: string) => string,
    /** Annotations the Ingress carries for this source. */
    public readonly annotations: Readonly<Record<string, string>>,
  ) {}
}

/**
 * Exposes an app that lives in its own namespace through an Ingress in the ingress controller's namespace, as
 * the tutorial does: an `ExternalName` Service aliases the app Service's in-cluster DNS name (with its port
 * declared, which ingress controllers need to build an upstream), and the Ingress routes to that Service.
 */
export class IngressBridge extends Construct {
  public readonly namespace: string;
  public readonly host: string;
  public readonly path: string;
  public readonly ingressClassName: string;
  /** The TLS Secret of `host`, when TLS is on. */
  public readonly tlsSecretName?: string;
  public readonly externalNameService: k8s.KubeService;
  public readonly ingress: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: IngressBridgeProps) {
    super(scope, id);
    this.namespace = requireNamespace(this);
    this.host = props.host;
    this.path = props.path ?? '/';
    this.ingressClassName = props.ingressClassName ?? 'nginx';
    this.tlsSecretName = props.tls?.secretNameFor(this.host);
    const port = props.backend.port;

    this.externalNameService = new k8s.KubeService(this, 'ExternalName', {
      metadata: { name: props.serviceName ?? `${props.backend.name}-external` },
      spec: {
        type: 'ExternalName',
        externalName: props.backend.serviceHost,
        ports: [{ name: 'http', port, protocol: 'TCP' }],
      },
    });

    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name: props.ingressName ?? props.backend.name, annotations: props.tls?.annotations },
      spec: {
        ingressClassName: this.ingressClassName,
        tls: this.tlsSecretName ? [{ hosts: [this.host], secretName: this.tlsSecretName }] : undefined,
        rules: [{
          host: this.host,
          http: {
            paths: [{
              path: this.path,
              pathType: 'Prefix',
              backend: { service: { name: this.externalNameService.name, port: { number: port } } },
            }],
          },
        }],
      },
    });

    labelAllObjects(this, componentLabels(this, { name: props.backend.name, component: 'ingress', version: imageVersion(props.backend.image) }));
  }
}
