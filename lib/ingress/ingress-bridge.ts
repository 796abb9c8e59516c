import { PROVIDED_SECRETS_ANNOTATION } from '@stateful-todo/kube-conventions';
import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { requireNamespace } from '../kube/chart-namespace';
import { componentLabels, labelAllObjects } from '../kube/labels';
import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';
import { DEFAULT_CLUSTER_DOMAIN, serviceFqdn } from '../kube/service-dns';

/** A ClusterIP Service, in another namespace, that the bridge exposes. */
export interface IBridgeBackend {
  /** Name of the Service. */
  readonly serviceName: string;
  /** Namespace of the Service. */
  readonly serviceNamespace: string;
  /** The Service's port the Ingress routes to. */
  readonly servicePort: number;
}

/** Ways to name a bridge backend that is not a construct of this library. */
export class BridgeBackend {
  /**
   * A cdk8s-plus Service (its first port), in the namespace of its chart.
   * @param port the Service's port to route to; its first port when left out
   */
  public static fromService(service: kplus.Service, port?: number): IBridgeBackend {
    const namespace = service.metadata.namespace ?? Chart.of(service).namespace;
    const servicePort = port ?? service.ports[0]?.port;
    if (namespace === undefined || servicePort === undefined) {
      throw new Error(
        `${service.node.path}: a bridge backend needs a Service with a namespace and a port, got ` +
          `namespace ${JSON.stringify(namespace)} and port ${JSON.stringify(servicePort)}; create it in a Chart with ` +
          "a 'namespace', with at least one port",
      );
    }
    return { serviceName: service.name, serviceNamespace: namespace, servicePort };
  }

  private constructor() {}
}

/** Props of an `IngressBridge`: the Service to expose, the host and path, the names, the IngressClass and TLS. */
export interface IngressBridgeProps {
  /** The Service to expose; its name, namespace and port are read off it. */
  readonly backend: IBridgeBackend;
  /** Host name the Ingress answers for, without a scheme. */
  readonly host: string;
  /**
   * Path prefix routed to the backend.
   * @default INGRESS_BRIDGE_DEFAULTS.path
   */
  readonly path?: string;
  /**
   * Name of the ExternalName Service in the bridge's namespace.
   * @default - the backend Service's name with `-external`
   */
  readonly serviceName?: string;
  /**
   * Name of the Ingress.
   * @default - the backend Service's name
   */
  readonly ingressName?: string;
  /**
   * The IngressClass; without one, the Ingress depends on a cluster default class that may not exist.
   * @default INGRESS_BRIDGE_DEFAULTS.ingressClassName
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly ingressClassName?: string;
  /**
   * TLS for `host`: an existing `kubernetes.io/tls` Secret, or one that cert-manager issues.
   * @default - no TLS (plain HTTP)
   */
  readonly tls?: IngressTls;
  /**
   * The cluster's DNS domain, under which the backend Service's name is written.
   * @default DEFAULT_CLUSTER_DOMAIN
   */
  readonly clusterDomain?: string;
  /**
   * `app.kubernetes.io/version` of the bridge's objects: the version of what they expose.
   * @default - no version label
   */
  readonly version?: string;
}

/** The defaults of an IngressBridge, in one place: the stack's config starts from them too. */
export const INGRESS_BRIDGE_DEFAULTS = {
  path: '/',
  ingressClassName: 'nginx',
} as const;

/** `IngressBridgeProps` with every default applied, the names derived from the backend's included. */
export interface ResolvedIngressBridgeProps extends Required<Omit<IngressBridgeProps, 'tls' | 'version'>> {
  /** TLS for the host; undefined for plain HTTP. */
  readonly tls?: IngressTls;
  /** `app.kubernetes.io/version` of the bridge's objects; undefined for no version label. */
  readonly version?: string;
}

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** cert-manager's ingress-shim annotation: issue the Ingress's TLS Secrets from this ClusterIssuer. */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

/**
 * Where an Ingress's TLS certificate comes from.
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
 */
export class IngressTls {
  /** A `kubernetes.io/tls` Secret that someone creates in the ingress namespace (the stack only references it). */
  public static fromSecret(secretName: string): IngressTls {
    return new IngressTls(() => secretName, { [PROVIDED_SECRETS_ANNOTATION]: secretName }, { secretName });
  }

  /**
   * cert-manager issues the certificate from `clusterIssuer` (which must exist in the cluster) into `secretName`.
   * @param secretName the certificate's Secret; when left out, the host with dots as dashes and `-tls`
   *   (`drexii.me` → `drexii-me-tls`)
   * @see https://cert-manager.io/docs/usage/ingress/
   */
  public static fromClusterIssuer(clusterIssuer: string, secretName?: string): IngressTls {
    return new IngressTls(
      host => secretName ?? `${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}-tls`,
      { [CLUSTER_ISSUER_ANNOTATION]: clusterIssuer },
      { clusterIssuer, ...(secretName === undefined ? {} : { secretName }) },
    );
  }

  private constructor(
    /** The Secret's name for a host. */
    public readonly secretNameFor: (host: string) => string,
    /** Annotations the Ingress carries for this source. */
    public readonly annotations: Readonly<Record<string, string>>,
    /** The names this source was given, each required (an optional one is left out when not given). */
    private readonly names: { readonly secretName?: unknown; readonly clusterIssuer?: unknown },
  ) {}

  /** What is wrong with the names given (prop paths relative to the bridge's `tls`). */
  public get problems(): PropProblem[] {
    // A name left undefined (from JavaScript, or a config without it) would give an Ingress without TLS, or a
    // certificate never issued: it is an error like any other bad name.
    const checks = new PropChecks();
    if ('clusterIssuer' in this.names) {
      checks.name(
        'tls.clusterIssuer',
        this.names.clusterIssuer,
        'dnsSubdomain',
        253,
        "the name of a cert-manager ClusterIssuer, such as 'letsencrypt-prod'",
      );
    }
    if ('secretName' in this.names) {
      checks.name(
        'tls.secretName',
        this.names.secretName,
        'dnsSubdomain',
        253,
        "the name of a kubernetes.io/tls Secret, such as 'drexii-me-tls'",
      );
    }
    return checks.problems;
  }
}

/**
 * Exposes an app that lives in its own namespace through an Ingress in the ingress controller's namespace, as
 * the tutorial does: an `ExternalName` Service aliases the app Service's in-cluster DNS name (with its port
 * declared, which ingress controllers need to build an upstream), and the Ingress routes to that Service.
 */
export class IngressBridge extends Construct {
  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: IngressBridgeProps): PropProblem[] {
    return checkResolved(IngressBridge.resolve(props));
  }

  /** `props` with `INGRESS_BRIDGE_DEFAULTS` applied, and the Service and Ingress names derived from the backend's. */
  public static resolve(props: IngressBridgeProps): ResolvedIngressBridgeProps {
    return {
      backend: props.backend,
      host: props.host,
      path: props.path ?? INGRESS_BRIDGE_DEFAULTS.path,
      serviceName: props.serviceName ?? `${props.backend.serviceName}-external`,
      ingressName: props.ingressName ?? props.backend.serviceName,
      ingressClassName: props.ingressClassName ?? INGRESS_BRIDGE_DEFAULTS.ingressClassName,
      tls: props.tls,
      clusterDomain: props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      version: props.version,
    };
  }

  /** The namespace of the ExternalName Service and the Ingress: the chart's (the ingress controller's). */
  public readonly namespace: string;
  /** Host name the Ingress answers for. */
  public readonly host: string;
  /** Path prefix routed to the backend. */
  public readonly path: string;
  /** The Ingress's IngressClass. */
  public readonly ingressClassName: string;
  /** The TLS Secret of `host`, when TLS is on. */
  public readonly tlsSecretName?: string;
  /** The `ExternalName` Service that aliases the backend Service's in-cluster DNS name, with its port. */
  public readonly externalNameService: ApiObject;
  /** The Ingress that routes `host` and `path` to the ExternalName Service. */
  public readonly ingress: ApiObject;

  constructor(scope: Construct, id: string, unresolved: IngressBridgeProps) {
    super(scope, id);
    const props = IngressBridge.resolve(unresolved);
    throwIfInvalid(this, checkResolved(props));
    this.namespace = requireNamespace(this);
    this.host = props.host;
    this.path = props.path;
    this.ingressClassName = props.ingressClassName;
    this.tlsSecretName = props.tls?.secretNameFor(this.host);
    const { serviceName, serviceNamespace, servicePort: port } = props.backend;

    this.externalNameService = new k8s.KubeService(this, 'ExternalName', {
      metadata: { name: props.serviceName },
      spec: {
        type: 'ExternalName',
        externalName: serviceFqdn(serviceName, serviceNamespace, props.clusterDomain),
        ports: [{ name: 'http', port, protocol: 'TCP' }],
      },
    });

    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name: props.ingressName, annotations: props.tls?.annotations },
      spec: {
        ingressClassName: this.ingressClassName,
        tls: this.tlsSecretName ? [{ hosts: [this.host], secretName: this.tlsSecretName }] : undefined,
        rules: [
          {
            host: this.host,
            http: {
              paths: [
                {
                  path: this.path,
                  pathType: 'Prefix',
                  backend: { service: { name: this.externalNameService.name, port: { number: port } } },
                },
              ],
            },
          },
        ],
      },
    });

    labelAllObjects(this, componentLabels(this, { name: serviceName, component: 'ingress', version: props.version }));
  }
}

/** What is wrong with resolved props, each problem naming the prop, the value and the fix. */
function checkResolved(props: ResolvedIngressBridgeProps): PropProblem[] {
  const checks = new PropChecks();
  const host = props.host;
  const scheme = typeof host === 'string' ? /^[a-z][a-z0-9+.-]*:\/\//i.exec(host) : null;
  if (scheme) {
    checks.add('host', host, `must be a bare host name such as 'drexii.me'; drop the scheme '${scheme[0]}'`);
  } else if (typeof host !== 'string' || !HOST.test(host) || host.length > 253) {
    checks.add(
      'host',
      host,
      "must be a lower-case DNS host name such as 'drexii.me' or '*.drexii.me', with no port or path",
    );
  }
  const path = props.path;
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) {
    checks.add('path', path, "must be an absolute path starting with '/', such as '/tasks'");
  }
  checks.name('serviceName', props.serviceName, 'dns1035Label');
  checks.name('ingressName', props.ingressName, 'dnsSubdomain');
  checks.name('ingressClassName', props.ingressClassName, 'dnsSubdomain');
  checks.name('clusterDomain', props.clusterDomain, 'dnsSubdomain');
  return [...checks.problems, ...(props.tls?.problems ?? [])];
}
