import { ServiceProcess } from '../../harness/service-process';

// The e2e tests assert a server's log lines right after an HTTP answer, or once it has exited; both must see every
// line it wrote, however late the pipe delivers it.
const node = (script: string) => new ServiceProcess([process.execPath, '-e', script], '/', {});

describe('ServiceProcess', () => {
  test('waitForLog resolves with a log line written after the call', async () => {
    const child = node(`setTimeout(() => console.log(JSON.stringify({ level: 30, msg: 'late' })), 300)`);
    expect(child.logs).toEqual([]);
    expect(await child.waitForLog('late')).toEqual({ level: 30, msg: 'late' });
    await child.exit;
  });

  test('waitForLine resolves at once with a line already written', async () => {
    const child = node(`console.log('first'); console.log('second')`);
    await child.exit;
    expect(await child.waitForLine(line => line === 'second', 'the second line', 1)).toBe('second');
  });

  test('waitForLine rejects, with the output so far, when the process ends without the line', async () => {
    const child = node(`console.log('only this')`);
    await expect(child.waitForLine(line => line === 'never', 'the line never')).rejects.toThrow(
      'the process ended before it wrote the line never; its output:\nonly this',
    );
  });

  test('waitForLine after the process has ended rejects at once, not after its timeout', async () => {
    const child = node(`console.log('only this')`);
    await child.exit;
    await expect(child.waitForLine(line => line === 'never', 'the line never', 60_000)).rejects.toThrow(
      'the process ended before it wrote the line never; its output:\nonly this',
    );
  });

  test('a line in two chunks stays one line whatever the other stream writes between; a last line needs no newline', async () => {
    const child = node(
      `process.stdout.write('{"msg":"par'); setTimeout(() => { process.stderr.write('between\\n'); ` +
        `setTimeout(() => process.stdout.write('ted"}\\nlast without newline'), 100) }, 100)`,
    );
    await child.exit;
    expect(child.lines).toEqual(['between', '{"msg":"parted"}', 'last without newline']);
    expect(await child.waitForLog('parted')).toEqual({ msg: 'parted' });
  });

  test('waitForLine rejects when the time passes first', async () => {
    const child = node(`setTimeout(() => {}, 5000)`);
    try {
      await expect(child.waitForLine(line => line === 'never', 'the line never', 100)).rejects.toThrow(
        '100 ms passed before it wrote the line never',
      );
    } finally {
      await child.stop();
    }
  });

  test('exit resolves only once the output has ended, not when the process itself exits', async () => {
    // The process exits at once; a child it leaves behind holds its stdout and writes a line 300 ms later. This is how
    // a last line can still be in the pipe when the process is gone ('exit'); the output ends only at 'close'.
    const child = node(
      `require('child_process').spawn('sh', ['-c', 'sleep 0.3; echo late'], { stdio: 'inherit', detached: true })` +
        `.unref(); console.log('early'); process.exitCode = 3`,
    );
    expect(await child.exit).toBe(3);
    expect(child.lines).toEqual(['early', 'late']);
  });
});
