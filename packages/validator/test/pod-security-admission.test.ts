import { exitCode } from '../src/cli';

import { checkText } from './support';

// A node agent as real install manifests ship it (node-exporter, a CNI): host network, a hostPath, privileged. The
// API server admits it wherever its namespace enforces no Pod Security level that forbids it.
const agent = (namespace: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      hostNetwork: true
      volumes: [{name: proc, hostPath: {path: /proc}}]
      containers:
        - name: agent
          image: quay.io/prometheus/node-exporter:v1.8.2
          securityContext: {privileged: true}
          volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]
          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
`;
const namespace = (name: string, level: string) => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: {pod-security.kubernetes.io/enforce: ${level}}}
`;
const pss = (text: string) => {
  const report = checkText(text);
  return { report, findings: report.findings.filter(f => f.ruleId.startsWith('pss-')) };
};

describe('Pod Security findings are errors only where admission rejects the pod', () => {
  test('in a namespace of the set that enforces privileged: warnings, no error', () => {
    const { report, findings } = pss(`${namespace('monitoring', 'privileged')}---${agent('monitoring')}`);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every(f => f.severity === 'warning')).toBe(true);
    expect(report.errors).toBe(0);
    expect(findings.find(f => f.ruleId === 'pss-privileged')?.message).toMatch(
      /refused where the namespace enforces Pod Security 'baseline'; 'monitoring' enforces 'privileged'\)$/,
    );
  });

  test('in a namespace the set does not hold: warnings, which --strict fails on', () => {
    const { report, findings } = pss(agent('kube-system'));
    expect(findings.every(f => f.severity === 'warning')).toBe(true);
    expect(report.errors).toBe(0);
    expect(exitCode([report], false)).toBe(0);
    expect(exitCode([report], true)).toBe(1);
  });

  test("under baseline: the baseline controls are errors, restricted's own stay warnings", () => {
    const { findings } = pss(`${namespace('agents', 'baseline')}---${agent('agents')}`);
    const severities = Object.fromEntries(findings.map(f => [f.ruleId, f.severity]));
    expect(severities).toMatchObject({
      'pss-privileged': 'error',
      'pss-host-namespaces': 'error',
      'pss-host-path': 'error',
      'pss-run-as-non-root': 'warning',
      'pss-seccomp': 'warning',
      'pss-capabilities': 'warning',
    });
    expect(findings.find(f => f.ruleId === 'pss-privileged')?.message).toMatch(
      /\(namespace 'agents' enforces Pod Security 'baseline'\)$/,
    );
  });

  test('under restricted: every control is an error', () => {
    const { findings } = pss(`${namespace('apps', 'restricted')}---${agent('apps')}`);
    expect(findings.length).toBeGreaterThan(5);
    expect(findings.every(f => f.severity === 'error')).toBe(true);
  });
});
