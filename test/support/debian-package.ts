import { execFileSync } from 'child_process';
import * as fs from 'fs';

/**
 * The path of `binary`, installing Debian's `pkg` with apt-get (as root) when it is missing, as the PostgreSQL server
 * is. Never skips: when it cannot be had, it throws and says how to install it.
 */
export function debianBinary(pkg: string, binary: string): string {
  if (fs.existsSync(binary)) {
    return binary;
  }
  if (typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    console.log(`${binary} not found: installing Debian's ${pkg} package (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
    if (fs.existsSync(binary)) {
      return binary;
    }
  }
  throw new Error(`${binary} not found, and it could not be installed: install Debian's ${pkg} package (apt-get install ${pkg})`);
}
