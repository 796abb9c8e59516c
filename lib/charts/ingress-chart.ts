import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';

import { ingressBridgeProps, StackConfig } from '../config';
import { IBridgeBackend, IngressBridge } from '../ingress/ingress-bridge';

import { NamespaceChart } from './namespace-chart';

/** Props of an `IngressChart`: the stage's settings and the Service to expose. */
export interface IngressChartProps {
  /** The stage's settings, which the chart maps onto its constructs' props. */
  readonly config: StackConfig;
  /** The Service the Ingress routes to. */
  readonly backend: IBridgeBackend;
}

/**
 * The ingress controller's namespace (`default` in the tutorial). The stack never creates it: it belongs to the
 * controller's installation, whose pods need more than the "restricted" profile allows.
 */
export class IngressChart extends NamespaceChart {
  /** The ExternalName Service and the Ingress that expose the backend. */
  public readonly bridge: IngressBridge;

  constructor(scope: Construct, id: string, props: IngressChartProps) {
    const { config, backend } = props;
    super(scope, id, {
      config,
      namespace: config.ingress.namespace,
      version: imageVersion(config.app.image),
      createNamespace: false,
    });
    this.bridge = new IngressBridge(this, 'IngressBridge', ingressBridgeProps(config, backend));
  }
}
