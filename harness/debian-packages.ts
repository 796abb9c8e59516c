import { execFileSync } from 'child_process';
import * as fs from 'fs';

/**
 * What `find` finds, installing Debian's `packages` with apt-get first (as root) when it finds nothing: the one way
 * the tests and benchmarks get the Debian tools they need. Never skips: when it cannot be had, it throws, saying
 * what is missing (`missing`) and how to install it.
 */
export function fromDebianPackages<T>(packages: readonly string[], missing: string, find: () => T | undefined): T {
  const found = find();
  if (found !== undefined) {
    return found;
  }
  if (typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    console.log(`${missing}: installing Debian's ${packages.join(' and ')} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: 'inherit',
      env,
    });
    const installed = find();
    if (installed !== undefined) {
      return installed;
    }
  }
  throw new Error(
    `${missing}, and could not be installed: install Debian's ${packages.join(' and ')} as root ` +
      `(apt-get install ${packages.join(' ')})`,
  );
}

/** The path of `binary`, from Debian's `pkg` (installed when missing, as `fromDebianPackages` does). */
export function debianBinary(pkg: string, binary: string): string {
  return fromDebianPackages([pkg], `${binary} not found`, () => (fs.existsSync(binary) ? binary : undefined));
}
