set -eu
umask 077
cd "$BACKUP_DIR"
# At deploy time the database may still be starting, and its roles Job (not ordered before this one by kubectl or
# Flux) may not have made the backup role yet: wait for both (scripts/wait.sh), then dump.
wait_for_server backup
wait_for_login backup
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
