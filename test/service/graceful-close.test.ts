import { once } from 'events';
import { AddressInfo, connect } from 'net';

import { Pool } from 'pg';
import pino from 'pino';

import { buildApp } from '../../app/src/app';

// No database is needed to close: the pool points at a port that refuses at once, so the start-up check only fails.
function service() {
  const pool = new Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 1000 });
  const app = buildApp({ pool, migrations: [], logger: pino({ level: 'silent' }), taskListCache: false });
  app.addHook('onClose', async () => pool.end());
  return app;
}

describe('closing the todo service (SIGTERM)', () => {
  test("closes a connection whose request has not arrived: Node's server.close() alone waits for it for ever", async () => {
    const app = service();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const accepted = once(app.server, 'connection');
    const client = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    await accepted;
    const closed = once(client, 'close');
    await app.close();
    await closed;
  });

  test("a request in flight is answered, with 'Connection: close', and then the service is closed", async () => {
    const app = service();
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>(resolve => {
      arrived = resolve;
    });
    let answer: (body: string) => void = () => undefined;
    app.get('/slow', () => {
      arrived();
      return new Promise<string>(resolve => {
        answer = resolve;
      });
    });
    // The answer comes once the drain has begun (this hook runs after the service's own).
    app.addHook('preClose', async () => answer('done'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const response = fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/slow`);
    await reached;
    const closing = app.close();
    const answered = await response;
    expect(answered.headers.get('connection')).toBe('close');
    expect(await answered.text()).toBe('done');
    await closing;
  });
});
