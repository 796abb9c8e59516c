import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * What a container's process sees of its identity and filesystem, for running its commands here the way the
 * kubelet runs them: as the pod's uid/gid, with the image's own /etc/passwd and /etc/group (so that a uid with no
 * entry there has none here either: libpq then cannot default a user name, as in the cluster), a read-only root
 * filesystem, and fresh writable emptyDirs.
 */
export interface ContainerIdentity {
  readonly uid: number;
  readonly gid: number;
  /** The users the image's /etc/passwd lists, by uid: `{ 999: 'postgres' }`. root is always there. */
  readonly imageUsers: Readonly<Record<number, string>>;
  readonly readOnlyRootFilesystem: boolean;
  /** Mount paths of the container's emptyDir volumes: each gets a fresh tmpfs. */
  readonly emptyDirs: readonly string[];
  /**
   * Folders of this machine that stand in for the pod's persistent volumes: they stay writable under a read-only
   * root, as a mounted claim does. Never under an emptyDir's mount path (the tmpfs would hide them).
   */
  readonly volumes?: readonly string[];
}

/** The users of the official images the stack runs (their /etc/passwd, beyond root). */
export const IMAGE_USERS = {
  /** postgres:*-bookworm: the `postgres` user is 999; nothing else is. */
  postgres: { 999: 'postgres' },
  /** node:*-bookworm-slim: the `node` user is 1000. */
  node: { 1000: 'node' },
  /** python:* (the tutorial's Flask image is built on it): root only. */
  python: {},
} as const;

/**
 * The argv that runs `command` inside a private mount namespace set up as `identity` describes, then drops to the
 * pod's uid/gid with no capabilities (setpriv). Needs root (unshare and mount), which CI has; fails loudly otherwise.
 * Returns the argv and a cleanup for the temporary passwd/group files.
 */
export function sandboxedCommand(
  command: readonly string[],
  identity: ContainerIdentity,
  keep: readonly string[] = [],
): { argv: string[]; cleanup: () => void } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      'running a container command as its pod would needs root (unshare --mount, mount, setpriv); run the tests as root, as CI does',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-identity-'));
  const users = { 0: 'root', ...identity.imageUsers } as Record<number, string>;
  const passwd = Object.entries(users)
    .map(([uid, name]) => `${name}:x:${uid}:${uid}:${name}:${uid === '0' ? '/root' : '/'}:/bin/sh`)
    .join('\n');
  const group = Object.entries(users)
    .map(([gid, name]) => `${name}:x:${gid}:`)
    .join('\n');
  fs.writeFileSync(path.join(dir, 'passwd'), `${passwd}\n`, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'group'), `${group}\n`, { mode: 0o644 });
  // Folders this machine needs visible (the working folder, the binaries' folders) that an emptyDir would hide (a
  // clone under /tmp): staged on a scratch tmpfs at /mnt first, then bound back, read-only, inside the emptyDir.
  const under = (folder: string, mountPath: string) =>
    folder === mountPath || folder.startsWith(`${mountPath.replace(/\/$/, '')}/`);
  const hidden = [...new Set(keep.map(folder => path.resolve(folder)))].filter(
    folder => identity.emptyDirs.some(mountPath => under(folder, mountPath)) && fs.existsSync(folder),
  );
  const script = [
    'set -e',
    'mount --bind "$1" /etc/passwd',
    'mount --bind "$2" /etc/group',
    ...(hidden.length > 0 ? ['mount -t tmpfs -o size=1m pod-stage /mnt'] : []),
    ...hidden.flatMap((folder, index) => [`mkdir /mnt/${index}`, `mount --bind '${folder}' /mnt/${index}`]),
    // A folder bound onto itself is a mount of its own, which the read-only remount of / leaves writable.
    ...(identity.volumes ?? []).map(folder => `mount --bind '${path.resolve(folder)}' '${path.resolve(folder)}'`),
    ...(identity.readOnlyRootFilesystem ? ['mount -o remount,bind,ro /'] : []),
    ...identity.emptyDirs.map(mountPath => `mount -t tmpfs -o size=64m,mode=1777 tmpfs '${mountPath}'`),
    ...hidden.flatMap((folder, index) => [
      `mkdir -p '${folder}'`,
      `mount --bind /mnt/${index} '${folder}'`,
      `mount -o remount,bind,ro '${folder}'`,
    ]),
    'shift 2',
    `exec setpriv --reuid=${identity.uid} --regid=${identity.gid} --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"`,
  ].join('\n');
  return {
    argv: [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      script,
      'pod',
      path.join(dir, 'passwd'),
      path.join(dir, 'group'),
      ...command,
    ],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The identity a container of `pod` (a pod spec from the synthesized output) runs with, in image `imageUsers`. */
export function identityOf(pod: any, container: any, imageUsers: Readonly<Record<number, string>>): ContainerIdentity {
  const context = { ...pod.securityContext, ...container.securityContext };
  const emptyDirNames = new Set((pod.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name));
  if (typeof context.runAsUser !== 'number' || typeof context.runAsGroup !== 'number') {
    throw new Error(`container '${container.name}' sets no runAsUser/runAsGroup: the test cannot know its uid`);
  }
  return {
    uid: context.runAsUser,
    gid: context.runAsGroup,
    imageUsers,
    readOnlyRootFilesystem: context.readOnlyRootFilesystem === true,
    emptyDirs: (container.volumeMounts ?? [])
      .filter((m: any) => emptyDirNames.has(m.name))
      .map((m: any) => m.mountPath),
  };
}
