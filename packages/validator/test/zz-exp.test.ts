import { parseFile } from '../src/load-manifests';
const cases: Record<string,string> = {
 helm: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  labels:\n    {{- include "x.labels" . | nindent 4 }}\ndata:\n  a: b\n',
 helm2: '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "x.fullname" . }}\n{{- end }}\n',
 helm3: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  a: b\n',
 nul: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\0b\n',
};
test('x', () => {
for (const [k, t] of Object.entries(cases)) { const into = { manifests: [] as any[], findings: [] as any[] }; parseFile('f.yaml', t, into); console.log(k, JSON.stringify(into.findings.map(f=>f.message)), JSON.stringify(into.manifests.map(m=>m.object))); }
});
