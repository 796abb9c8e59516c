import * as path from 'path';

import { validatePaths } from '../src/validate-manifests';

// The tutorial's manifests, written the way the tutorial writes them (test/fixtures/tutorial).
const report = validatePaths([path.join(__dirname, 'fixtures', 'tutorial')]);
const found = (ruleId: string, file: string) =>
  report.findings.filter(f => f.ruleId === ruleId && f.file.endsWith(file));

describe("the tutorial's manifests", () => {
  test.each([
    [
      'a password in a ConfigMap',
      'secret-in-configmap',
      'postgres-config.yaml',
      /ConfigMap key 'POSTGRES_PASSWORD' looks like a secret/,
    ],
    [
      'a StatefulSet without serviceName',
      'statefulset-service',
      'postgres-statefulset.yaml',
      /StatefulSet has no serviceName/,
    ],
    [
      'a misspelled field',
      'schema-violation',
      'postgres-statefulset.yaml',
      /unknown field 'replicaz' in spec \(did you mean 'replicas'\?\)/,
    ],
    ['two Services with one name', 'duplicate-object', 'postgres-service.yaml', /Service 'postgres' is defined twice/],
    [
      'a database exposed on a NodePort',
      'database-port-exposed',
      'postgres-service.yaml',
      /NodePort Service exposes PostgreSQL port 5432/,
    ],
    [
      'mismatched PV/PVC access modes',
      'pv-pvc-mismatch',
      'postgres-pvc-pv.yaml',
      /access modes \["ReadWriteOnce"\] are not all offered by the volume's \["ReadWriteMany"\]/,
    ],
    ['a malformed storage quantity', 'invalid-quantity', 'postgres-pvc-pv.yaml', /'5GB' is not a Kubernetes quantity/],
    [
      'no probes',
      'probe-missing',
      'postgres-deployment.yaml',
      /container 'postgres' has no readiness and no liveness probe/,
    ],
    ['no resources', 'resources-missing', 'app-deployment.yml', /container 'stateful-flask' has no CPU request/],
    [
      'a misspelled apiVersion',
      'unknown-kind',
      'hpa.yaml',
      /apiVersion 'autoscaling\/v2beta3' of kind HorizontalPodAutoscaler is not served/,
    ],
    [
      'a misspelled namespace',
      'namespace-missing',
      'app-deployment.yml',
      /namespace 'stateful-namspace' is not in the set/,
    ],
    ['a password as a literal env value', 'secret-in-env', 'app-deployment.yml', /sets DB_PASSWORD to a literal value/],
    [
      'replicas of a single-primary database',
      'database-replicas',
      'postgres-deployment.yaml',
      /2 replicas of 'postgres:latest' are 2 independent databases/,
    ],
    [
      'a ReadWriteOnce volume under a Deployment',
      'rwo-deployment',
      'postgres-deployment.yaml',
      /the Deployment mounts ReadWriteOnce claim 'postgres-pv-claim'/,
    ],
    [
      'an ExternalName Service without the port the Ingress needs',
      'ingress-backend-port',
      'ingress.yml',
      /Service 'stateful-flask' has no port 5000 \(it declares no ports\)/,
    ],
    ['an Ingress without a class', 'ingress-class-missing', 'ingress.yml', /sets no ingressClassName/],
    ['a root container', 'pss-run-as-non-root', 'postgres-deployment.yaml', /does not set runAsNonRoot: true/],
    ['a latest image', 'image-tag', 'postgres-deployment.yaml', /runs 'postgres:latest'/],
    [
      "part 1's Deployment and part 2's StatefulSet selecting each other's pods",
      'workload-selector-overlap',
      'postgres-statefulset.yaml',
      new RegExp(
        String.raw`^selector 'app=postgres' matches the pods of Deployment postgres\/postgres too, and the selector ` +
          String.raw`of Deployment postgres\/postgres \('app=postgres'\) matches these pods too`,
      ),
    ],
  ])('catches %s', (_what, ruleId, file, message) => {
    expect(found(ruleId, file).map(f => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test('fails overall', () => {
    // Its pods break Pod Security restricted: warnings here (none of its namespaces is in the set to enforce a level).
    expect(report.errors).toBeGreaterThanOrEqual(10);
    expect(report.errors + report.warnings).toBeGreaterThanOrEqual(30);
  });
});
