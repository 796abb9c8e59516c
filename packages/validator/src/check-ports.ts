import { portNameProblem } from './check-pod-spec';
import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment } from './manifest';

const PORT_FIELDS = new Set(['port', 'containerPort', 'hostPort', 'targetPort', 'nodePort', 'endPort']);
// 0 means unset in these: no host port; a node port the API server allocates; a target port that defaults to the port.
const UNSET_AS_ZERO = new Set(['hostPort', 'nodePort', 'targetPort']);

/** invalid-port: every port number field of the object, outside its status. */
export function checkPorts(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const visit = (node: unknown, path: PathSegment[]) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, index]));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'status' && path.length === 0) {
          continue;
        }
        if (
          PORT_FIELDS.has(key) &&
          typeof value === 'number' &&
          !(UNSET_AS_ZERO.has(key) && value === 0) &&
          (value < 1 || value > 65535 || !Number.isInteger(value))
        ) {
          findings.push(objectFinding('invalid-port', manifest, [...path, key], `${key} ${value} is outside 1-65535`));
        }
        visit(value, [...path, key]);
      }
    }
  };
  visit(manifest.object, []);
  return findings;
}

// A Service's targetPort by name must be a valid port name (IANA_SVC_NAME), as a container port's is; the API
// server checks it (validatePortNumOrName) whether or not a container declares it.
export function checkServiceTargetPorts(manifest: Manifest): Finding[] {
  const { kind, apiVersion, spec } = manifest.object;
  if (kind !== 'Service' || apiVersion !== 'v1' || !Array.isArray(spec?.ports)) {
    return [];
  }
  const findings: Finding[] = [];
  spec.ports.forEach((port: any, index: number) => {
    const problem =
      typeof port?.targetPort === 'string' && port.targetPort !== '' ? portNameProblem(port.targetPort) : undefined;
    if (problem) {
      findings.push(
        objectFinding(
          'invalid-port-name',
          manifest,
          ['spec', 'ports', index, 'targetPort'],
          `targetPort name '${port.targetPort}' ${problem} (IANA service name)`,
        ),
      );
    }
  });
  return findings;
}
