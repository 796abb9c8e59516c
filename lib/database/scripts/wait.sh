# The waits of the database Jobs' scripts, put before each of them when the stack is synthesized
# (lib/database/job-script.ts): a Job may start before its database accepts connections, or before the roles Job
# has made the role it logs in as. WAIT_SECONDS (set by the Job) bounds all the waiting of one run, tries
# WAIT_INTERVAL_SECONDS apart (default 5). A run that gives up says what it waited for and the last error, and
# exits 75 (EX_TEMPFAIL): what it waited for may still come, a run later.

# wait_until JOB WHAT COMMAND...: runs COMMAND until it succeeds; logs once that JOB waits for WHAT, and why.
wait_until() {
  wait_job=$1
  wait_what=$2
  shift 2
  : "${WAIT_SECONDS:?the Job sets how long its script may wait}"
  # One bound for every wait of the run, set by the first.
  wait_deadline=${wait_deadline:-$(($(date +%s) + WAIT_SECONDS))}
  wait_logged=
  until wait_error=$("$@" 2>&1 >/dev/null); do
    if [ "$(date +%s)" -ge "$wait_deadline" ]; then
      echo "$wait_job: gave up after ${WAIT_SECONDS}s waiting for $wait_what${wait_error:+; last error: $wait_error}" >&2
      exit 75
    fi
    if [ -z "$wait_logged" ]; then
      echo "$wait_job: waiting up to ${WAIT_SECONDS}s for $wait_what${wait_error:+ ($wait_error)}"
      wait_logged=1
    fi
    sleep "${WAIT_INTERVAL_SECONDS:-5}"
  done
  if [ -n "$wait_logged" ]; then
    echo "$wait_job: done waiting for $wait_what"
  fi
}

# wait_for_server JOB: until PGHOST:PGPORT accepts connections (pg_isready needs no valid login to tell).
wait_for_server() {
  wait_until "$1" "$PGHOST:$PGPORT to accept connections" pg_isready --quiet
}

# wait_for_login JOB: until PGUSER logs in to PGDATABASE (with PGPASSWORD), which it can once the roles Job has
# created the role, granted it CONNECT and set its password.
wait_for_login() {
  wait_until "$1" "role $PGUSER to log in to database $PGDATABASE (the roles Job creates it and sets its password)" \
    psql --no-password --quiet --command=''
}
