set -eu
cd "$BACKUP_DIR"
dump="${RESTORE_DUMP:-latest}"
if [ "$dump" = latest ]; then
  # The newest of the scheduled and the deploy-time dumps (names sort by time).
  dump=$(ls -1 | grep -E "^$PGDATABASE-[0-9]{8}T[0-9]{6}Z(-deploy)?[.]dump$" | sort | tail -n 1 || true)
  if [ -z "$dump" ]; then echo "restore: no dump of $PGDATABASE in $BACKUP_DIR" >&2; exit 1; fi
fi
case "$dump" in
  */*|.*) echo "restore: RESTORE_DUMP must be the file name of a dump in $BACKUP_DIR (or latest), got '$dump'" >&2; exit 2 ;;
esac
if [ ! -f "$dump" ]; then
  echo "restore: no dump '$dump' in $BACKUP_DIR; the dumps there are:" >&2
  ls -1 | grep '[.]dump$' >&2 || true
  exit 1
fi
pg_restore --list "$dump" >/dev/null
exists=$(psql --no-password --dbname=postgres --tuples-only --no-align --set=ON_ERROR_STOP=1 --set=db="$PGDATABASE" <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'db';
SQL
)
if [ "$exists" = 0 ]; then
  echo "restore: database $PGDATABASE does not exist: deploy the stage (its roles Job creates it, empty), then restore again" >&2
  exit 1
fi
echo "restore: replacing the objects of database $PGDATABASE with those of $dump, in one transaction"
pg_restore --no-password --exit-on-error --clean --if-exists --no-owner --no-privileges --single-transaction --dbname="$PGDATABASE" "$dump"
for channel in ${NOTIFY_CHANNELS:-}; do
  psql --no-password --dbname="$PGDATABASE" --quiet --set=ON_ERROR_STOP=1 --command="NOTIFY $channel"
done
echo "restore: restored $dump into $PGDATABASE"
