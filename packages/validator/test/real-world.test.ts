import * as fs from 'fs';
import * as path from 'path';

import { exitCode } from '../src/cli';
import { validatePaths } from '../src/validate-manifests';

import { checkText, findingsOf } from './support';

// Install manifests of widely used projects, in their real shapes (fixtures/real-world, one set per file): the
// validator once reported errors on each. By the severity rule, each is now nothing (valid), or a warning (it works
// only when something outside the set provides what is missing), which --strict still fails on.
const FIXTURES = path.join(__dirname, 'fixtures', 'real-world');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.yaml`), 'utf8');
const validate = (name: string) => validatePaths([path.join(FIXTURES, `${name}.yaml`)]);
const summary = (name: string) => validate(name).findings.map(f => `${f.severity} ${f.ruleId} ${f.object}`);

describe('real install manifests: no error in the default mode', () => {
  test.each([
    ['argocd-redis-ha', 'Services and a PodDisruptionBudget select StatefulSet pods by the labels its controller adds'],
    ['node-port-zero', 'nodePort: 0 and targetPort: 0 mean unset'],
    ['cockroachdb', "a volume's claim is supplied by the StatefulSet's claim template of the same name"],
    [
      'k8s-io-custom-resources',
      'HTTPRoute, VolumeSnapshot and app.k8s.io Application, with their CRDs in the set, are custom resources',
    ],
    ['pod-with-149-anchors', 'a Pod with 149 anchors and aliases is read, as kubectl reads it'],
  ])('%s: nothing to report (%s)', name => {
    const report = validate(name);
    expect(report.findings).toEqual([]);
    expect(exitCode([report], true)).toBe(0);
  });

  test.each([
    [
      'ingress-nginx',
      'warning config-reference-missing Deployment ingress-nginx/ingress-nginx-controller',
      'a Secret a Job makes at install',
    ],
    [
      'argocd-redis-secret',
      'warning config-reference-missing Deployment argocd/argocd-redis',
      'a Secret an init container makes',
    ],
    [
      'argocd-application-controller',
      'warning statefulset-service StatefulSet argocd/argocd-application-controller',
      'a serviceName that names no Service',
    ],
  ])('%s: one warning, which --strict fails on (%s)', (name, expected) => {
    const report = validate(name);
    expect(summary(name)).toEqual([expected]);
    expect(exitCode([report], false)).toBe(0);
    expect(exitCode([report], true)).toBe(1);
  });
});

describe('near misses of the same shapes are still reported', () => {
  test('a pod-name selector of a StatefulSet that is not in the set, or of no ordinal, selects nothing', () => {
    for (const wrong of ['argocd-redis-ha-serverr-0', 'argocd-redis-ha-server-a']) {
      const report = checkText(
        fixture('argocd-redis-ha').replace(
          'statefulset.kubernetes.io/pod-name: argocd-redis-ha-server-2',
          `statefulset.kubernetes.io/pod-name: ${wrong}`,
        ),
      );
      expect(findingsOf(report, 'service-selector-no-match').map(f => f.object)).toEqual([
        'Service argocd/argocd-redis-ha-announce-2',
      ]);
    }
    // A Deployment's pods carry no pod-name label.
    const deployment = checkText(
      fixture('argocd-redis-ha')
        .replace('kind: StatefulSet', 'kind: Deployment')
        .replace('  serviceName: argocd-redis-ha\n', '')
        .replace('  podManagementPolicy: OrderedReady\n', ''),
    );
    expect(findingsOf(deployment, 'service-selector-no-match')).toHaveLength(2);
    expect(findingsOf(deployment, 'target-no-match')).toHaveLength(1);
  });

  test('a probe on a named port the container does not declare is an error; on a number, it is not', () => {
    const named = checkText(
      fixture('ingress-nginx').replace(
        'httpGet: {path: /healthz, port: 10254, scheme: HTTP}\n          initialDelaySeconds',
        'httpGet: {path: /healthz, port: metrics, scheme: HTTP}\n          initialDelaySeconds',
      ),
    );
    expect(findingsOf(named, 'probe-port').map(f => `${f.severity} ${f.message}`)).toEqual([
      "error livenessProbe of container 'controller' targets port 'metrics', which the container does not declare",
    ]);
  });

  test('a Secret made at run time, declared as provided, is not reported; a missing key of a Secret in the set is an error', () => {
    const declared = checkText(
      fixture('argocd-redis-secret').replace(
        'metadata: {name: argocd}',
        'metadata: {name: argocd, annotations: {validator.todo-stack/provided-secrets: argocd-redis}}',
      ),
    );
    expect(declared.findings).toEqual([]);
    const inSet = checkText(
      `${fixture('argocd-redis-secret')}---\napiVersion: v1\nkind: Secret\n` +
        'metadata: {name: argocd-redis, namespace: argocd}\nstringData: {password: x}\n',
    );
    expect(findingsOf(inSet, 'config-key-missing').map(f => `${f.severity} ${f.message}`)).toEqual([
      "error Secret 'argocd-redis' has no key 'auth' (it has 'password')",
    ]);
  });

  test('a node port outside 1-65535 (other than 0) is an error', () => {
    const report = checkText(fixture('node-port-zero').replace('nodePort: 0', 'nodePort: 70000'));
    expect(findingsOf(report, 'invalid-port').map(f => f.message)).toEqual(['nodePort 70000 is outside 1-65535']);
  });

  test("a volume's claim with no claim template of the volume's name is missing (a warning: it may be made outside the set)", () => {
    // The controller replaces volumes by name: a volume named otherwise keeps its claim, which is in no object of the set.
    const report = checkText(
      fixture('cockroachdb')
        .replace('{name: datadir, mountPath', '{name: data, mountPath')
        .replace('  - name: datadir\n        persistentVolumeClaim', '  - name: data\n        persistentVolumeClaim'),
    );
    expect(findingsOf(report, 'pvc-missing').map(f => `${f.severity} ${f.message}`)).toEqual([
      "warning PersistentVolumeClaim 'datadir' is not in namespace 'cockroachdb'",
    ]);
  });

  test('a custom resource under *.k8s.io is checked against its CRD; without it, a note; a built-in group with an unknown kind is an error', () => {
    const invalid = checkText(
      fixture('k8s-io-custom-resources').replace('{name: shop, port: 8080}', '{name: shop, port: 80800}'),
    );
    expect(findingsOf(invalid, 'schema-violation').map(f => `${f.object} ${f.path}`)).toEqual([
      'HTTPRoute shop/shop spec.rules[0].backendRefs[0].port',
    ]);
    const withoutCrds = checkText(
      fixture('k8s-io-custom-resources')
        .split('\n---\n')
        .filter(doc => !doc.includes('kind: CustomResourceDefinition'))
        .join('\n---\n'),
    );
    expect(withoutCrds.findings.map(f => `${f.severity} ${f.ruleId} ${f.object}`)).toEqual([
      'info custom-resource HTTPRoute shop/shop',
      'info custom-resource VolumeSnapshot shop/shop-data-nightly',
      'info custom-resource Application shop/shop',
    ]);
    const builtIn = checkText(
      'apiVersion: networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: shop, namespace: default}\n',
    );
    expect(findingsOf(builtIn, 'unknown-kind').map(f => f.message)).toEqual([
      "kind 'HTTPRoute' of apiVersion 'networking.k8s.io/v1' is not served by Kubernetes 1.27.1 and 1.36.0",
    ]);
  });
});
