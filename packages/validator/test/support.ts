import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { stringify } from 'yaml';

import { Finding } from '../src/finding';
import { parseFile } from '../src/load-manifests';
import { validateLoaded, ValidateOptions, ValidationReport } from '../src/validate-manifests';

const tempFolders: string[] = [];
afterAll(() => tempFolders.splice(0).forEach(folder => fs.rmSync(folder, { recursive: true, force: true })));

/** A new temporary folder, removed when the test file is done. */
export function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempFolders.push(folder);
  return folder;
}

/** Validates objects as one in-memory file of YAML documents. */
export function check(objects: object[], options: ValidateOptions = {}, file = 'set.yaml'): ValidationReport {
  return checkText(objects.map(o => stringify(o)).join('---\n'), options, file);
}

/** Validates the text of one file. */
export function checkText(text: string, options: ValidateOptions = {}, file = 'set.yaml'): ValidationReport {
  const loaded = { manifests: [], files: [file], findings: [], unreadable: [] };
  parseFile(file, text, loaded);
  return validateLoaded(loaded, options);
}

export function findingsOf(report: ValidationReport, ruleId: string): Finding[] {
  return report.findings.filter(f => f.ruleId === ruleId);
}

const restricted = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } };

/**
 * A small, correct application in two namespaces that passes every rule: each rule's test breaks one thing.
 * Returns fresh objects on every call, keyed by a short name.
 */
export function goodSet() {
  return {
    shop: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    edge: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } },
    config: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'shop' },
      data: { LOG_LEVEL: 'info' },
    },
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-secret', namespace: 'shop' },
      type: 'Opaque',
      data: { API_TOKEN: 'czNjcjN0' },
    },
    web: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'web',
                image: 'nginxinc/nginx-unprivileged:1.25.3',
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [
                  { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'LOG_LEVEL' } } },
                  { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'API_TOKEN' } } },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
                livenessProbe: { tcpSocket: { port: 8080 } },
                resources,
                securityContext: restricted,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    webService: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'edge' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'web-alias', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    },
    alias: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-alias', namespace: 'edge' },
      spec: { type: 'ExternalName', externalName: 'web.shop.svc.cluster.local', ports: [{ name: 'http', port: 80 }] },
    },
    pdb: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
    },
    hpa: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 4,
      },
    },
    policy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db-clients', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }],
      },
    },
    dbHeadless: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db-headless', namespace: 'shop' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, targetPort: 'pg' }] },
    },
    db: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        serviceName: 'db-headless',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 999,
              fsGroup: 999,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'postgres',
                image: 'postgres:16.4-bookworm',
                ports: [{ name: 'pg', containerPort: 5432 }],
                readinessProbe: { exec: { command: ['pg_isready'] } },
                livenessProbe: { exec: { command: ['pg_isready'] } },
                resources,
                securityContext: restricted,
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
          },
        ],
      },
    },
    volume: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'shop-archive' },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        claimRef: { namespace: 'shop', name: 'archive' },
        csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' },
      },
    },
    claim: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'archive', namespace: 'shop' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'manual',
        resources: { requests: { storage: '10Gi' } },
      },
    },
    archiver: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'archive', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'archive',
                image: 'busybox:1.36',
                command: ['true'],
                resources,
                securityContext: restricted,
                volumeMounts: [{ name: 'archive', mountPath: '/archive' }],
              },
            ],
            volumes: [{ name: 'archive', persistentVolumeClaim: { claimName: 'archive' } }],
          },
        },
      },
    },
  };
}

export type GoodSet = ReturnType<typeof goodSet>;
