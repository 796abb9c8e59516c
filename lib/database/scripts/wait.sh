# The waits of the database Jobs' scripts, put before each of them when the stack is synthesized
# (lib/database/job-script.ts, which drops the comment lines): a Job may start before its database accepts
# connections, or before the roles Job has made the role it logs in as. WAIT_SECONDS (set by the Job) bounds all the
# waiting of one run, tries WAIT_INTERVAL_SECONDS apart (default 5). A run that gives up says what it waited for and
# the last error, and exits 75 (EX_TEMPFAIL): what it waited for may still come, but the wait took most of the Job's
# deadline, so the Job fails rather than retry. A check that no wait can satisfy (bad connection parameters, or a
# client tool the image lacks) exits 64 (EX_USAGE) at once.

# wait_until JOB WHAT COMMAND...: runs COMMAND until it succeeds; logs once that JOB waits for WHAT, why, and how long
# it may still wait. COMMAND exits 64 when waiting cannot help: then so does the run, at once.
wait_until() {
  wait_job=$1
  wait_what=$2
  shift 2
  : "${WAIT_SECONDS:?the Job sets how long its script may wait}"
  wait_started=$(date +%s)
  # One bound for every wait of the run, set by the first: a later wait has what the earlier ones left.
  wait_deadline=${wait_deadline:-$((wait_started + WAIT_SECONDS))}
  wait_logged=
  while :; do
    wait_status=0
    wait_error=$("$@" 2>&1 >/dev/null) || wait_status=$?
    if [ "$wait_status" -eq 0 ]; then
      break
    fi
    # 126/127: the shell could not run a client tool (pg_isready, psql) that the image lacks; no wait brings it.
    if [ "$wait_status" -eq 64 ] || [ "$wait_status" -eq 126 ] || [ "$wait_status" -eq 127 ]; then
      echo "$wait_job: cannot wait for $wait_what: $wait_error" >&2
      exit 64
    fi
    wait_now=$(date +%s)
    if [ "$wait_now" -ge "$wait_deadline" ]; then
      echo "$wait_job: gave up after $((wait_now - wait_started))s waiting for $wait_what${wait_error:+; last error: $wait_error}" >&2
      exit 75
    fi
    if [ -z "$wait_logged" ]; then
      echo "$wait_job: waiting up to $((wait_deadline - wait_now))s for $wait_what${wait_error:+ ($wait_error)}"
      wait_logged=1
    fi
    sleep "${WAIT_INTERVAL_SECONDS:-5}"
  done
  if [ -n "$wait_logged" ]; then
    echo "$wait_job: done waiting for $wait_what"
  fi
}

# server_ready: pg_isready (which needs no valid login to tell), its exit status said in words on stderr; 64 when
# it made no attempt, which no wait mends.
server_ready() {
  ready_status=0
  pg_isready --quiet || ready_status=$?
  case $ready_status in
    0) ;;
    1) echo 'the server rejects connections (pg_isready exit status 1: starting up, shutting down or recovering)' >&2 ;;
    2) echo 'no response (pg_isready exit status 2: nothing listening, or a NetworkPolicy or DNS in the way)' >&2 ;;
    3)
      echo 'no attempt was made (pg_isready exit status 3: bad connection parameters; see PGHOST, PGPORT, PGUSER' \
        'and the other PG* variables of the Job)' >&2
      return 64
      ;;
    *) echo "pg_isready exit status $ready_status" >&2 ;;
  esac
  return "$ready_status"
}

# wait_for_server JOB: until PGHOST:PGPORT accepts connections.
wait_for_server() {
  wait_until "$1" "$PGHOST:$PGPORT to accept connections" server_ready
}

# wait_for_login JOB: until PGUSER logs in to PGDATABASE (with PGPASSWORD), which it can once the roles Job has
# created the role, granted it CONNECT and set its password. PostgreSQL answers a wrong password as it answers a
# missing role, so a wrong password waits too: the log line says so.
wait_for_login() {
  login_why='the roles Job creates it and sets its password; a wrong password fails the same way'
  wait_until "$1" "role $PGUSER to log in to database $PGDATABASE ($login_why)" psql --no-password --quiet --command=''
}
