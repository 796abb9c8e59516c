set -eu
umask 077
cd "$BACKUP_DIR"
# At deploy time the database may still be starting: wait for it (60 tries), then dump.
tries=0
until pg_isready --quiet; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then echo "backup: $PGHOST:$PGPORT does not accept connections" >&2; exit 1; fi
  sleep 5
done
# A run stopped by its time limit leaves its partial file; one a day old is no longer being written.
find . -maxdepth 1 -name '.*.dump.partial' -mmin +1440 -exec rm -f {} +
# Scheduled dumps have no suffix, deploy-time ones "-deploy": each kind is pruned on its own.
suffix="${BACKUP_SUFFIX:-}"
name="$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ)$suffix.dump"
partial=".$name.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-password --file="$partial"
pg_restore --list "$partial" >/dev/null
sync "$partial"
mv "$partial" "$name"
sync .
trap - EXIT
echo "backup: wrote $BACKUP_DIR/$name ($(wc -c <"$name") bytes)"
ls -1 | grep -E "^$PGDATABASE-[0-9]{8}T[0-9]{6}Z${suffix}[.]dump$" | sort -r | tail -n +$((BACKUP_RETAIN + 1)) | while read -r old; do
  rm -f -- "$old"
  echo "backup: pruned $old (keeping the newest $BACKUP_RETAIN${suffix:+ of the $suffix dumps})"
done
