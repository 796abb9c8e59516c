/**
 * The tag of an image reference (`postgres:17.6` → `17.6`), `sha256:…` for a digest, or `undefined` when the
 * reference pins neither (which means `latest`).
 */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at >= 0) {
    return image.slice(at + 1);
  }
  const colon = image.indexOf(':', image.lastIndexOf('/') + 1);
  return colon >= 0 ? image.slice(colon + 1) : undefined;
}

/**
 * The repository of an image reference, without its tag or digest (`ghcr.io/org/app:1.2@sha256:…` →
 * `ghcr.io/org/app`); a registry's port (`registry:5000/app`) stays.
 */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.indexOf(':', withoutDigest.lastIndexOf('/') + 1);
  return colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The `app.kubernetes.io/version` of an image: its tag, or the first 12 hex digits of its digest. */
export function imageVersion(image: string): string {
  const tag = imageTag(image) ?? 'latest';
  return tag.startsWith('sha256:') ? tag.slice('sha256:'.length, 'sha256:'.length + 12) : tag;
}
