#!/usr/bin/env bash
# Manage the private PostgreSQL/PostGIS cluster used for local development and tests.
#
# Usage: scripts/pg-cluster.sh start|stop|status|url [DB]|psql [ARGS...]|createdb NAME
#
#   start          create the cluster on first use, start it, wait until it accepts
#                  connections, then make sure role `fourreau`, database `fourreau`
#                  and the PostGIS extension exist. Safe to run when already running.
#   stop           stop the cluster (fast shutdown). Safe to run when already stopped.
#   status         print the state. Exit code 0 when running, 3 when not.
#   url [DB]       print the connection URL of database DB (default `fourreau`).
#   psql [ARGS]    run psql on database `fourreau` as role `fourreau`.
#   createdb NAME  drop database NAME if it exists, create it empty with PostGIS,
#                  and print its URL. NAME `fourreau` is rejected.
#
# Environment:
#   FOURREAU_PGDATA  data folder (default /var/lib/fourreau/pgdata). The postgres user
#                    must be able to reach it, so a folder under /root does not work.
#   FOURREAU_PGPORT  TCP port on 127.0.0.1 (default 55432).
#   FOURREAU_PGBIN   folder of the server programs (default /usr/lib/postgresql/15/bin).
#
# Files beside the data folder, named after it:
#   <data>.log       server log
#   <data>.socket/   Unix socket folder, mode 0700, so the cluster never shares a socket
#                    folder with a system cluster
#   <data>.password  password of role `fourreau`, mode 0600
#
# The cluster listens on 127.0.0.1 only. Role `fourreau` is a LOGIN role with a random
# password generated on first start: it is a local development password, not meant
# for any shared or production server. The role is SUPERUSER of this private cluster
# so that migrations and tests can create extensions and databases without extra
# grants.
#
# Run as root: the server programs then run as the postgres user through runuser.
# Run as another user: they run as that user, who must own the data folder.
set -euo pipefail

readonly ROLE=fourreau
readonly MAIN_DB=fourreau

PGBIN=${FOURREAU_PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT_VALUE=${FOURREAU_PGPORT:-55432}
PGDATA_DIR=$(realpath -m "${FOURREAU_PGDATA:-/var/lib/fourreau/pgdata}")
LOG_FILE=$PGDATA_DIR.log
SOCKET_DIR=$PGDATA_DIR.socket
PASSWORD_FILE=$PGDATA_DIR.password

# Connection settings from the caller's environment would override the explicit
# options below, so they are cleared.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE PGSERVICE \
	PGSERVICEFILE PGOPTIONS PGSSLMODE PGDATA

if [[ $(id -u) -eq 0 ]]; then
	OWNER=postgres
else
	OWNER=$(id -un)
fi

log() {
	printf 'pg-cluster: %s\n' "$*" >&2
}

die() {
	printf 'pg-cluster: error: %s\n' "$*" >&2
	exit 1
}

# Run a command as the cluster owner. The working folder is / because the
# caller's folder (for example a checkout under /root) may be closed to the owner.
as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u "$OWNER" -- "$@")
	else
		(cd / && "$@")
	fi
}

check_settings() {
	[[ $PGPORT_VALUE =~ ^[0-9]+$ ]] && ((PGPORT_VALUE > 0 && PGPORT_VALUE < 65536)) ||
		die "invalid FOURREAU_PGPORT '$PGPORT_VALUE': expected a TCP port number"
	[[ -x $PGBIN/pg_ctl && -x $PGBIN/initdb ]] ||
		die "PostgreSQL server programs not found in $PGBIN: run scripts/install-deps.sh or set FOURREAU_PGBIN"
	# A Unix socket path is limited to 107 bytes on Linux.
	local socket_path=$SOCKET_DIR/.s.PGSQL.$PGPORT_VALUE
	((${#socket_path} <= 107)) ||
		die "socket path $socket_path is longer than 107 bytes: choose a shorter FOURREAU_PGDATA"
}

# Admin psql: the bootstrap superuser over the private Unix socket (peer authentication).
# Notices such as "already exists, skipping" are hidden.
admin_psql() {
	as_owner env PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
		-h "$SOCKET_DIR" -p "$PGPORT_VALUE" -U "$OWNER" "$@"
}

is_initialised() {
	[[ -f $PGDATA_DIR/PG_VERSION ]]
}

# Succeeds when PID is a live process running the postgres server program.
is_postgres_process() {
	local pid=$1 exe
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[[ $(basename "$exe") == postgres ]]
}

# Prints the postmaster PID when the server of this data folder is running.
# A postmaster.pid left behind by a crash or a machine restart may name a PID
# that now belongs to another process. The postmaster's working folder is its
# data folder, so comparing the two identifies this cluster's server.
running_pid() {
	local pid_file=$PGDATA_DIR/postmaster.pid pid cwd
	[[ -f $pid_file ]] || return 1
	pid=$(head -n 1 "$pid_file")
	is_postgres_process "$pid" || return 1
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
	[[ $cwd == "$PGDATA_DIR" ]] || return 1
	printf '%s\n' "$pid"
}

# Removes lock files whose owner process is gone, so that a crash or a machine
# restart does not block the next start. Called only when the server of this
# data folder is not running.
remove_stale_locks() {
	local pid_file=$PGDATA_DIR/postmaster.pid
	if [[ -f $pid_file ]]; then
		log "removing stale $pid_file (PID $(head -n 1 "$pid_file") is not this cluster's server)"
		rm -f "$pid_file"
	fi

	local socket_lock=$SOCKET_DIR/.s.PGSQL.$PGPORT_VALUE.lock pid
	if [[ -f $socket_lock ]]; then
		pid=$(head -n 1 "$socket_lock")
		if is_postgres_process "$pid"; then
			die "another PostgreSQL server (PID $pid) uses socket folder $SOCKET_DIR on port $PGPORT_VALUE"
		fi
		log "removing stale $socket_lock"
		rm -f "$socket_lock" "$SOCKET_DIR/.s.PGSQL.$PGPORT_VALUE"
	fi
}

read_password() {
	[[ -r $PASSWORD_FILE ]] ||
		die "cannot read $PASSWORD_FILE: run 'scripts/pg-cluster.sh start' first (as the user who started the cluster)"
	local password
	password=$(<"$PASSWORD_FILE")
	[[ $password =~ ^[A-Za-z0-9]+$ ]] || die "invalid password in $PASSWORD_FILE: delete it and run start again"
	printf '%s\n' "$password"
}

# Creates the password file on first use. The password is 32 hexadecimal digits,
# so it needs no escaping in a URL or in SQL.
ensure_password_file() {
	[[ -s $PASSWORD_FILE ]] && return 0
	log "generating the password of role $ROLE in $PASSWORD_FILE"
	(umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$PASSWORD_FILE")
}

database_url() {
	local db=${1:-$MAIN_DB} password
	password=$(read_password)
	printf 'postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable\n' "$ROLE" "$password" "$PGPORT_VALUE" "$db"
}

check_db_name() {
	[[ $1 =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
		die "invalid database name '$1': use lower-case letters, digits and underscores"
}

# Creates the folders and files beside the data folder with the right owner.
prepare_folders() {
	local parent
	parent=$(dirname "$PGDATA_DIR")
	mkdir -p "$parent" || die "cannot create $parent"
	if [[ $(id -u) -eq 0 ]] && ! runuser -u "$OWNER" -- test -x "$parent" 2>/dev/null; then
		die "the $OWNER user cannot reach $parent: set FOURREAU_PGDATA to a folder it can reach, such as /var/lib/fourreau/pgdata"
	fi

	mkdir -p "$PGDATA_DIR" "$SOCKET_DIR"
	touch "$LOG_FILE"
	if [[ $(id -u) -eq 0 ]]; then
		chown "$OWNER:" "$PGDATA_DIR" "$SOCKET_DIR" "$LOG_FILE"
	fi
	chmod 0700 "$PGDATA_DIR" "$SOCKET_DIR"
	chmod 0640 "$LOG_FILE"
}

initialise() {
	if [[ -n $(ls -A "$PGDATA_DIR") ]]; then
		die "$PGDATA_DIR is not empty and contains no PostgreSQL cluster: move it away or set FOURREAU_PGDATA"
	fi
	log "creating cluster in $PGDATA_DIR"
	as_owner "$PGBIN/initdb" --pgdata="$PGDATA_DIR" --encoding=UTF8 --locale=C.UTF-8 \
		--auth-local=peer --auth-host=scram-sha-256 >>"$LOG_FILE" 2>&1 ||
		die "initdb failed: see $LOG_FILE"
	printf "\ninclude_if_exists = 'fourreau.conf'\n" | as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
}

# Writes the connection settings read by postgresql.conf. Rewritten at every start,
# so a new FOURREAU_PGPORT takes effect at the next start.
write_settings() {
	as_owner tee "$PGDATA_DIR/fourreau.conf" >/dev/null <<EOF
# Written by scripts/pg-cluster.sh at each start: edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PGPORT_VALUE
unix_socket_directories = '$SOCKET_DIR'
EOF
}

wait_until_ready() {
	local attempt
	for attempt in $(seq 1 60); do
		if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT_VALUE" -d postgres -t 2; then
			return 0
		fi
		sleep 1
	done
	die "server did not accept connections on 127.0.0.1:$PGPORT_VALUE within 60 s: see $LOG_FILE"
}

# Creates role, database and extension when missing and syncs the role's password
# with the password file. Every statement is safe to repeat.
ensure_role_and_database() {
	ensure_password_file
	local password
	password=$(read_password)

	# The password goes through standard input, so it never shows in a process list.
	admin_psql -d postgres <<EOF
SELECT format('CREATE ROLE %I', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE WITH LOGIN SUPERUSER PASSWORD '$password';
SELECT format('CREATE DATABASE %I OWNER %I', '$MAIN_DB', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$MAIN_DB') \gexec
EOF
	admin_psql -d "$MAIN_DB" -c 'CREATE EXTENSION IF NOT EXISTS postgis'
}

cmd_start() {
	check_settings
	prepare_folders
	is_initialised || initialise

	local pid
	if pid=$(running_pid); then
		log "already running (PID $pid) on 127.0.0.1:$PGPORT_VALUE"
	else
		remove_stale_locks
		write_settings
		log "starting server on 127.0.0.1:$PGPORT_VALUE (data $PGDATA_DIR, log $LOG_FILE)"
		as_owner "$PGBIN/pg_ctl" start --pgdata="$PGDATA_DIR" --log="$LOG_FILE" \
			--wait --timeout=300 >/dev/null ||
			die "server failed to start: last lines of $LOG_FILE:
$(tail -n 20 "$LOG_FILE")"
	fi

	wait_until_ready
	ensure_role_and_database
	log "ready: database $MAIN_DB, role $ROLE on 127.0.0.1:$PGPORT_VALUE"
}

cmd_stop() {
	check_settings
	if ! is_initialised; then
		log "no cluster in $PGDATA_DIR: nothing to stop"
		return 0
	fi
	if ! running_pid >/dev/null; then
		log "not running"
		return 0
	fi
	log "stopping server on 127.0.0.1:$PGPORT_VALUE"
	as_owner "$PGBIN/pg_ctl" stop --pgdata="$PGDATA_DIR" --mode=fast --wait --timeout=120 >/dev/null
	log "stopped"
}

cmd_status() {
	check_settings
	if ! is_initialised; then
		echo "not created: no cluster in $PGDATA_DIR"
		return 3
	fi
	local pid
	if ! pid=$(running_pid); then
		echo "stopped: data $PGDATA_DIR"
		return 3
	fi
	if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT_VALUE" -d postgres -t 2; then
		echo "running: PID $pid, 127.0.0.1:$PGPORT_VALUE, data $PGDATA_DIR, log $LOG_FILE"
		return 0
	fi
	echo "not accepting connections: PID $pid, 127.0.0.1:$PGPORT_VALUE, see $LOG_FILE"
	return 3
}

cmd_url() {
	check_settings
	local db=${1:-$MAIN_DB}
	check_db_name "$db"
	database_url "$db"
}

cmd_psql() {
	check_settings
	local password
	password=$(read_password)
	PGPASSWORD=$password exec "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT_VALUE" -U "$ROLE" -d "$MAIN_DB" "$@"
}

cmd_createdb() {
	check_settings
	local db=${1:-}
	[[ -n $db ]] || die "usage: scripts/pg-cluster.sh createdb NAME"
	check_db_name "$db"
	[[ $db != "$MAIN_DB" ]] || die "createdb rejects $MAIN_DB: it is the main database and would lose its data"
	running_pid >/dev/null || die "cluster is not running: run 'scripts/pg-cluster.sh start' first"

	log "recreating database $db with PostGIS"
	# WITH (FORCE) ends sessions left open by an interrupted test run.
	admin_psql -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$db\" OWNER $ROLE"
	admin_psql -d "$db" -c 'CREATE EXTENSION postgis'
	database_url "$db"
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
	local command=${1:-}
	[[ $# -gt 0 ]] && shift
	case $command in
	start) cmd_start ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	url) cmd_url "$@" ;;
	psql) cmd_psql "$@" ;;
	createdb) cmd_createdb "$@" ;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
