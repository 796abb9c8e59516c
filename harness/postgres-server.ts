import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Client, ClientConfig } from 'pg';

import { fromDebianPackages } from './debian-packages';

/**
 * A real PostgreSQL server for the end-to-end tests, from the machine's Debian packages: found, installed with
 * apt-get when missing (as root), initialised in a temporary folder and started on a loopback address. It never
 * skips: when no server can be had, `start` throws and says why.
 */
export class PostgresServer {
  /**
   * Starts a server on `port` of the first free address among `hosts` (all loopback). With `localhost`, it also
   * listens on 127.0.0.1, where the database pod's own probes connect (inside the pod, that is the pod's address).
   */
  public static start(hosts: readonly string[], port = 5432, localhost = false): PostgresServer {
    const binDir = serverBinDir();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-e2e-pg-'));
    const server = new PostgresServer(binDir, dataDir, port, localhost);
    server.initialise();
    for (const host of hosts) {
      server.host = host;
      try {
        server.startAgain();
        return server;
      } catch {
        // The address is taken (another server on *:5432?): try the next one.
      }
    }
    const log = fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8').slice(-2000) : '';
    server.destroy();
    throw new Error(
      `PostgreSQL could not listen on port ${port} ` +
        `of ${hosts.join(', ')}${localhost ? ' and 127.0.0.1 (is another server on 127.0.0.1:5432?)' : ''}:\n${log}`,
    );
  }

  public host = '';

  private constructor(
    public readonly binDir: string,
    public readonly dataDir: string,
    public readonly port: number,
    private readonly localhost: boolean,
  ) {}

  private get logFile(): string {
    return path.join(this.dataDir, 'server.log');
  }

  /** Connection settings of the superuser, through the server's Unix socket. */
  public get superuser(): ClientConfig {
    return { host: this.dataDir, port: this.port, user: 'postgres', database: 'postgres' };
  }

  /**
   * Creates the user and database as the official image's entrypoint does from POSTGRES_USER, POSTGRES_PASSWORD
   * and POSTGRES_DB: the image runs initdb with POSTGRES_USER as its superuser, so the user is a superuser here too.
   */
  public async createDatabase(database: string, user: string, password: string): Promise<void> {
    const client = new Client(this.superuser);
    await client.connect();
    try {
      await client.query(
        `CREATE ROLE ${client.escapeIdentifier(user)} SUPERUSER LOGIN PASSWORD ${client.escapeLiteral(password)}`,
      );
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${client.escapeIdentifier(user)}`);
    } finally {
      await client.end();
    }
  }

  /** Stops the server with a fast shutdown, as the pod's preStop hook does. */
  public stop(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  public startAgain(): void {
    // fsync is off: the tests only restart cleanly, and a checkpoint at shutdown keeps every row.
    const addresses = this.localhost ? `127.0.0.1,${this.host}` : this.host;
    const options = `-c listen_addresses='${addresses}' -p ${this.port} -k ${this.dataDir} -c fsync=off`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', options, 'start']);
  }

  /** Stops the server (if it runs) and deletes its data. */
  public destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private initialise(): void {
    if (isRoot()) {
      // initdb refuses to run as root: the data belongs to the `postgres` user, which Debian's package creates.
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      fs.chownSync(this.dataDir, uid, gid);
    }
    this.run('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    // The stack's clients connect over TCP with a password, as in the cluster; any loopback address is allowed.
    fs.appendFileSync(path.join(this.dataDir, 'pg_hba.conf'), 'host all all 127.0.0.0/8 scram-sha-256\n');
  }

  private run(binary: string, args: string[]): void {
    const command = path.join(this.binDir, binary);
    const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFileSync(file, argv, { stdio: 'pipe', cwd: os.tmpdir() });
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The folder of initdb and pg_ctl: PG_BIN_DIR, else Debian's newest /usr/lib/postgresql/<version>/bin. */
function serverBinDir(): string {
  if (process.env.PG_BIN_DIR) {
    const binDir = process.env.PG_BIN_DIR;
    if (!fs.existsSync(path.join(binDir, 'initdb'))) {
      throw new Error(
        `PG_BIN_DIR=${binDir} has no initdb: set it to the folder of PostgreSQL's server binaries, or unset it`,
      );
    }
    return binDir;
  }
  return fromDebianPackages(['postgresql'], 'PostgreSQL server binaries (initdb, pg_ctl) not found', findServerBinDir);
}

function findServerBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter(v => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? path.join(root, newest, 'bin') : undefined;
}
