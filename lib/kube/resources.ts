import { parseQuantity } from '@stateful-todo/kube-conventions';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

import * as k8s from '../../imports/k8s';

import { PropChecks } from './prop-checks';
import { sizeToQuantity } from './size';

/**
 * The CPU and memory of a container, the one shape every construct of the stack takes. A CPU request and no CPU
 * limit: a limit throttles the container even while the node has idle CPU. Memory has a request and a limit:
 * memory cannot be reclaimed, so the limit keeps one container from starving its neighbours.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface Resources {
  /** CPU the scheduler reserves, such as `Cpu.millis(250)`. */
  readonly cpuRequest: Cpu;
  /** Memory the scheduler reserves, such as `Size.mebibytes(256)`. */
  readonly memoryRequest: Size;
  /** Memory the container may use before it is killed; at least `memoryRequest`. */
  readonly memoryLimit: Size;
}

/** The container's `resources` field for `resources`. */
export function resourceRequirements(resources: Resources): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.cpuRequest.amount),
      memory: k8s.Quantity.fromString(sizeToQuantity(resources.memoryRequest)),
    },
    limits: { memory: k8s.Quantity.fromString(sizeToQuantity(resources.memoryLimit)) },
  };
}

/** Checks that every amount is above zero and that the memory limit is at least the request. */
export function checkResources(checks: PropChecks, prop: string, resources: Resources): void {
  const cpu = parseQuantity(resources.cpuRequest.amount);
  if (cpu === undefined || cpu <= 0) {
    checks.add(`${prop}.cpuRequest`, resources.cpuRequest.amount, 'must be more than zero, such as Cpu.millis(250)');
  }
  const request = checks.size(`${prop}.memoryRequest`, resources.memoryRequest, 'Size.mebibytes(256)');
  const limit = checks.size(`${prop}.memoryLimit`, resources.memoryLimit, 'Size.mebibytes(512)');
  if (request && limit && kibibytes(resources.memoryLimit) < kibibytes(resources.memoryRequest)) {
    checks.add(
      `${prop}.memoryLimit`,
      sizeToQuantity(resources.memoryLimit),
      `must be at least the memory request (${sizeToQuantity(resources.memoryRequest)}); the API server rejects a limit below it`,
    );
  }
}

/** A CPU quantity as the config writes it (`250m`, `1`, `0.5`), or `undefined` when it is not one. */
export function cpuFromQuantity(quantity: string): Cpu | undefined {
  const millis = /^(\d+)m$/.exec(quantity);
  if (millis) {
    return Cpu.millis(Number(millis[1]));
  }
  return /^\d+(\.\d+)?$/.test(quantity) ? Cpu.units(Number(quantity)) : undefined;
}

function kibibytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
}

/** `resources` as Kubernetes quantities (`250m`, `256Mi`), as a config writes them. */
export function resourcesToQuantities(resources: Resources): {
  cpuRequest: string;
  memoryRequest: string;
  memoryLimit: string;
} {
  return {
    cpuRequest: resources.cpuRequest.amount,
    memoryRequest: sizeToQuantity(resources.memoryRequest),
    memoryLimit: sizeToQuantity(resources.memoryLimit),
  };
}
