import { identityOf, IMAGE_USERS } from '../../harness/pod-sandbox';
import { PostgresServer } from '../../harness/postgres-server';
import { ServiceProcess } from '../../harness/service-process';

import { containerEnv } from './container-env';
import { Manifest } from './manifests';

/** The database's roles Job of a stage's objects (the one Job of component `roles`). */
export function rolesJobOf(objects: readonly Manifest[]): Manifest {
  const found = objects.filter(o => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'roles');
  if (found.length !== 1) {
    throw new Error(`expected one roles Job, found ${found.length}`);
  }
  return found[0];
}

/** The roles Job's env as the cluster resolves it, with PGHOST (the Service's DNS name) rewritten to `postgres`'s address. */
export function rolesJobEnv(objects: readonly Manifest[], postgres: PostgresServer): Record<string, string> {
  const job = rolesJobOf(objects);
  return {
    ...containerEnv(job.spec.template.spec.containers[0], objects, job.metadata.namespace!),
    PGHOST: postgres.host,
    PGPORT: String(postgres.port),
    PATH: `${postgres.binDir}:/usr/bin:/bin`,
  };
}

/**
 * Runs the roles Job's command as its pod runs it (uid 999 with the postgres image's /etc/passwd, a read-only root,
 * its emptyDir), with `overrides` of its env; resolves with its exit code and output.
 */
export async function runRolesJob(
  objects: readonly Manifest[],
  postgres: PostgresServer,
  overrides: Record<string, string> = {},
) {
  const job = rolesJobOf(objects);
  const pod = job.spec.template.spec;
  const container = pod.containers[0];
  const process = new ServiceProcess(
    container.command,
    '/',
    { ...rolesJobEnv(objects, postgres), ...overrides },
    identityOf(pod, container, IMAGE_USERS.postgres),
  );
  const timer = setTimeout(() => process.signal('SIGKILL'), 60_000);
  const code = await process.exit;
  clearTimeout(timer);
  return { code, output: process.lines.join('\n') };
}
