set -eu
# The database may still be starting (scripts/wait.sh); the superuser exists from its first start.
wait_for_server roles
# The image's entrypoint creates the database on a first start only; a database dropped since is created again,
# empty, for the migration (or a restore) to fill.
psql --no-password --quiet --dbname=postgres --set=ON_ERROR_STOP=1 <<'SQL'
\getenv db PGDATABASE
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
psql --no-password --quiet --set=ON_ERROR_STOP=1 <<'SQL'
\getenv db PGDATABASE
\getenv owner OWNER_ROLE
\getenv service SERVICE_ROLE
\getenv exporter EXPORTER_ROLE
\getenv backup BACKUP_ROLE
BEGIN;
SELECT format('CREATE ROLE %I LOGIN', name) FROM unnest(ARRAY[:'owner', :'service', :'exporter', :'backup']) AS name
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name)
\gexec
-- What none of them may do, whatever an earlier hand gave it.
SELECT format('ALTER ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', rolname) FROM pg_roles
  WHERE rolname IN (:'owner', :'service', :'exporter', :'backup')
    AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin OR NOT rolinherit)
\gexec
-- The exporter is a member of pg_monitor, and no role is a member of anything else.
SELECT format('REVOKE %I FROM %I', granted.rolname, member.rolname) FROM pg_auth_members m
  JOIN pg_roles granted ON granted.oid = m.roleid JOIN pg_roles member ON member.oid = m.member
  WHERE member.rolname IN (:'owner', :'service', :'exporter', :'backup')
    AND NOT (member.rolname = :'exporter' AND granted.rolname = 'pg_monitor')
\gexec
SELECT format('GRANT pg_monitor TO %I', :'exporter') WHERE NOT EXISTS (SELECT FROM pg_auth_members m
  WHERE m.roleid = 'pg_monitor'::regrole AND m.member = (SELECT oid FROM pg_roles WHERE rolname = :'exporter'))
\gexec
-- Only the roles connect (PostgreSQL grants CONNECT and TEMP to PUBLIC by default); the superuser needs no grant.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"owner", :"service", :"exporter", :"backup";
-- The owner owns the schema and everything in it, including what the superuser created in earlier releases.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"service", :"backup";
SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
    WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass, :'owner')
  FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
    -- An identity or serial column's sequence follows its table.
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
\gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner') FROM pg_proc p
  WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
\gexec
-- The service reads and writes rows; the backup reads them. Default privileges cover what migrations create later.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"service";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"service";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"backup";
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO :"backup";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"service";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"service";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"backup";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON SEQUENCES TO :"backup";
COMMIT;
SQL
for role in OWNER SERVICE EXPORTER BACKUP; do
  name=$(printenv "${role}_ROLE")
  if PGUSER="$name" PGPASSWORD=$(printenv "${role}_PASSWORD") psql --no-password --quiet --command='' >/dev/null 2>&1; then
    echo "roles: $name: password unchanged"
  else
    psql --no-password --quiet --set=ON_ERROR_STOP=1 --set=name="$name" --set=variable="${role}_PASSWORD" <<'SQL'
\getenv password :variable
ALTER ROLE :"name" PASSWORD :'password';
SQL
    echo "roles: $name: password set"
  fi
done
echo "roles: $(printenv OWNER_ROLE), $(printenv SERVICE_ROLE), $(printenv EXPORTER_ROLE) and $(printenv BACKUP_ROLE) are in place in $PGDATABASE"
