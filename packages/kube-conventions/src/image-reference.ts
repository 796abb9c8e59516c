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

/** The `app.kubernetes.io/version` of an image: its tag, or the first 12 hex digits of its digest. */
export function imageVersion(image: string): string {
  const tag = imageTag(image) ?? 'latest';
  return tag.startsWith('sha256:') ? tag.slice('sha256:'.length, 'sha256:'.length + 12) : tag;
}
