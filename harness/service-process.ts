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
  // Who waits for a line (waitForLine): called with each new line, and with undefined once the output has ended.
  private readonly lineWaiters = new Set<(line: string | undefined) => void>();
  // The output has ended: a line not written by then never will be.
  private closed = false;

  constructor(command: readonly string[], cwd: string, env: Record<string, string>, identity?: ContainerIdentity) {
    const keep = [cwd, ...(env.PATH ?? process.env.PATH ?? '').split(':').filter(Boolean)];
    const sandbox = identity ? sandboxedCommand(command, identity, keep) : undefined;
    const argv = sandbox?.argv ?? [...command];
    const child: ChildProcess = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const add = (line: string) => {
      this.lines.push(line);
      this.lineWaiters.forEach(waiter => waiter(line));
    };
    // A buffer a stream: a line of stdout that arrives in two chunks stays one line, whatever stderr writes between.
    const pending = new Map<NodeJS.ReadableStream, string>();
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        const parts = ((pending.get(stream) ?? '') + chunk.toString('utf8')).split('\n');
        pending.set(stream, parts.pop() ?? '');
        parts.filter(Boolean).forEach(add);
      });
    }
    // 'close', not 'exit': 'exit' can come before the last output is read, and a test that reads the logs once the
    // process has exited would then miss its last lines.
    this.exited = new Promise(resolve =>
      child.on('close', code => {
        sandbox?.cleanup();
        // A last line without a newline.
        [...pending.values()].filter(Boolean).forEach(add);
        this.closed = true;
        this.lineWaiters.forEach(waiter => waiter(undefined));
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

  /**
   * Resolves with the first line (already written or still to come) that `matches`. An HTTP answer can arrive before
   * the log line the server wrote just before it has been read from the pipe, so a test that asserts a log line after
   * a request waits for it here instead of reading `lines` at once. Rejects when the output ends or `timeoutMs`
   * passes first, with the lines written so far.
   */
  public waitForLine(matches: (line: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const written = this.lines.find(matches);
    if (written !== undefined) {
      return Promise.resolve(written);
    }
    if (this.closed) {
      return Promise.reject(
        new Error(`the process ended before it wrote ${what}; its output:\n${this.lines.join('\n')}`),
      );
    }
    return new Promise((resolve, reject) => {
      const finish = (line: string | undefined, error?: string) => {
        clearTimeout(timer);
        this.lineWaiters.delete(waiter);
        if (error === undefined && line !== undefined) {
          resolve(line);
        } else {
          reject(
            new Error(`${error ?? 'the process ended'} before it wrote ${what}; its output:\n${this.lines.join('\n')}`),
          );
        }
      };
      const waiter = (line: string | undefined) => {
        if (line === undefined) {
          finish(undefined);
        } else if (matches(line)) {
          finish(line);
        }
      };
      const timer = setTimeout(() => finish(undefined, `${timeoutMs} ms passed`), timeoutMs);
      this.lineWaiters.add(waiter);
    });
  }

  /** Resolves with the first structured log line whose message is `message` (see waitForLine). */
  public async waitForLog(message: string, timeoutMs?: number): Promise<any> {
    const parsed = (line: string) => {
      try {
        return JSON.parse(line);
      } catch {
        return undefined;
      }
    };
    return parsed(await this.waitForLine(line => parsed(line)?.msg === message, `the log '${message}'`, timeoutMs));
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
