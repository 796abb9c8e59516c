// A second cdk8s app built only from the library's entry point: PostgREST (a REST API generated from a PostgreSQL
// schema) on the same PostgresStatefulSet the todo stack runs, exposed through the same IngressBridge. It shows
// the seams a third party builds on: IDatabase (host, port, names, credentials in the client's namespace),
// IDatabaseClient (whose pods the database's NetworkPolicy admits), and BridgeBackend.fromService for a
// cdk8s-plus Service.
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  BridgeBackend,
  DatabaseCredentials,
  DatabaseRole,
  IDatabase,
  IDatabaseClient,
  IngressBridge,
  IngressTls,
  PostgresStatefulSet,
} from 'stateful-todo-stack';

/** PostgREST, connected to any IDatabase. */
class PostgrestApi extends Construct implements IDatabaseClient {
  public readonly namespace: string;
  public readonly clientPodLabels = { 'app.kubernetes.io/name': 'postgrest' };
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, database: IDatabase) {
    super(scope, id);
    this.namespace = Chart.of(this).namespace!;
    // PostgREST reads and writes rows: the database's service role, never its owner or superuser.
    const credentials = database.bindClient(this, 'postgrest-db-credentials', DatabaseRole.SERVICE);
    const secretValue = (ref: { secretName: string; key: string }, name: string) =>
      kplus.EnvValue.fromSecretValue({
        secret: kplus.Secret.fromSecretName(this, name, ref.secretName),
        key: ref.key,
      });
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: 'postgrest' },
      podMetadata: { labels: this.clientPodLabels },
      replicas: 2,
      containers: [
        {
          name: 'postgrest',
          image: 'postgrest/postgrest:v12.2.3',
          portNumber: 3000,
          securityContext: { user: 1000 },
          envVariables: {
            DB_USER: kplus.EnvValue.fromValue(credentials.user),
            DB_PASSWORD: secretValue(credentials.password, 'Password'),
            // libpq's key=value form, so a password needs no URL encoding; Kubernetes expands $(VAR) from the
            // variables defined before it.
            PGRST_DB_URI: kplus.EnvValue.fromValue(
              `host=${database.host} port=${database.port} ` +
                `dbname=${database.databaseName} user=$(DB_USER) password=$(DB_PASSWORD)`,
            ),
            PGRST_DB_ANON_ROLE: kplus.EnvValue.fromValue('web_anon'),
          },
        },
      ],
    });
    this.service = deployment.exposeViaService({ name: 'postgrest', ports: [{ port: 3000 }] });
    database.allowClient(this);
  }
}

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'examples/dist', outputFileExtension: '.k8s.yaml' });
const databaseChart = new Chart(app, 'database', { namespace: 'catalog-db' });
const database = new PostgresStatefulSet(databaseChart, 'Postgres', {
  name: 'catalog',
  databaseName: 'catalog',
  user: 'catalog',
  storageSize: Size.gibibytes(20),
  credentials: DatabaseCredentials.fromClusterSecrets({
    databaseSecretName: 'catalog-db',
    rolesSecretName: 'catalog-db-roles',
    clientSecretName: 'catalog-db-client',
    migrationSecretName: 'catalog-db-owner',
  }),
});
const apiChart = new Chart(app, 'api', { namespace: 'catalog' });
const api = new PostgrestApi(apiChart, 'Api', database);
const ingressChart = new Chart(app, 'ingress', { namespace: 'ingress-nginx' });
new IngressBridge(ingressChart, 'Bridge', {
  backend: BridgeBackend.fromService(api.service),
  host: 'catalog.example.com',
  tls: IngressTls.fromClusterIssuer('letsencrypt-prod'),
});
apiChart.addDependency(databaseChart);
ingressChart.addDependency(apiChart);
app.synth();
