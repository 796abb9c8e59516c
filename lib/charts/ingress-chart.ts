import { Construct } from 'constructs';
import { StackConfig } from '../config';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { IBridgeBackend, IngressBridge, IngressTls } from '../ingress/ingress-bridge';
import { NamespaceChart } from './namespace-chart';

export interface IngressChartProps {
  readonly config: StackConfig;
  readonly backend: IBridgeBackend;
}

/**
 * The ingress controller's namespace (`default` in the tutorial). The stack never creates it: it belongs to the
 * controller's installation, whose pods need more than the "restricted" profile allows.
 */
export class IngressChart extends NamespaceChart {
  public readonly bridge: IngressBridge;

  constructor(scope: Construct, id: string, props: IngressChartProps) {
    const { config, backend } = props;
    super(scope, id, {
      config, namespace: config.ingress.namespace, version: imageVersion(config.app.image), createNamespace: false,
    });
    const ingress = config.ingress;
    this.bridge = new IngressBridge(this, 'IngressBridge', {
      backend,
      host: ingress.host,
      path: ingress.path,
      serviceName: ingress.serviceName,
      ingressName: ingress.name,
      ingressClassName: ingress.ingressClassName,
      tls: ingress.tls === undefined ? undefined
        : ingress.tls.source === 'existing-secret' ? IngressTls.fromSecret(ingress.tls.secretName)
          : IngressTls.fromClusterIssuer(ingress.tls.clusterIssuer, ingress.tls.secretName),
    });
  }
}
