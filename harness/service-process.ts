import { ChildProcess, spawn } from 'child_process';

import { ContainerIdentity, sandboxedCommand } from './pod-sandbox';

/**
 * A process of a container, with its output kept for assertions. Given an `identity`, it runs as the pod would run
 * it (its uid/gid, the image's passwd, read-only root, emptyDirs); `env` is all it gets, beside a PATH.
 */
export class ServiceProcess {
  public readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(command: readonly string[], cwd: string, env: Record<string, string>, identity?: ContainerIdentity) {
    const keep = [cwd, ...(env.PATH ?? process.env.PATH ?? '').split(':').filter(Boolean)];
    const sandbox = identity ? sandboxedCommand(command, identity, keep) : undefined;
    const argv = sandbox?.argv ?? [...command];
    const child: ChildProcess = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    const collect = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exited = new Promise(resolve =>
      child.on('exit', code => {
        sandbox?.cleanup();
        resolve(code);
      }),
    );
    this.child = child;
  }

  /** Resolves with the exit code. */
  public get exit(): Promise<number | null> {
    return this.exited;
  }

  /** The process id (for /proc/<pid>/status: the benchmark's peak RSS). */
  public get pid(): number | undefined {
    return this.child.pid;
  }

  public get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  public signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, as the kubelet sends it, and the exit code. */
  public async stop(): Promise<number | null> {
    if (this.alive) {
      this.signal('SIGTERM');
    }
    return this.exited;
  }

  /** The JSON log lines (structured logs), parsed. */
  public get logs(): any[] {
    return this.lines.flatMap(line => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  }
}

/** Polls `url` until it answers `status`, or fails after `timeoutMs`. */
export async function waitFor(url: string, status = 200, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === status) {
        return;
      }
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms; last: ${last}`);
}
