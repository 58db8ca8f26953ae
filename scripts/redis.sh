#!/usr/bin/env bash
# Manage the private Redis server used by the tile cache tests and for local runs of
# several instances sharing one tile cache.
#
# Usage: scripts/redis.sh start|stop|status|url
#
#   start   start the server when it is not running and wait until it replies to PING.
#           Safe to run when already running.
#   stop    stop the server. Safe to run when already stopped.
#   status  print the state. Exit code 0 when running, 3 when not.
#   url     print the redis:// URL of the server, password included.
#
# Environment:
#   FOURREAU_REDIS_DIR   folder of the server's files (default /var/lib/fourreau/redis)
#   FOURREAU_REDIS_PORT  TCP port on 127.0.0.1 (default 56379)
#   FOURREAU_REDIS_BIN   redis-server program (default redis-server from PATH or /usr/bin)
#
# Files in the folder: redis.conf (written at each start), redis.pid, redis.log, and
# redis.password, the password required of clients (random, generated at the first
# start, mode 0600), for local use only.
#
# The server listens on 127.0.0.1 only and keeps its data in memory only (no RDB or AOF
# files): it holds a cache, which the tile service clears at start anyway. It never
# touches a system Redis (its own folder, port, PID file and configuration). Run as
# root, it runs as the redis user of Debian's redis-server package.
set -euo pipefail

REDIS_DIR=$(realpath -m "${FOURREAU_REDIS_DIR:-/var/lib/fourreau/redis}")
REDIS_PORT=${FOURREAU_REDIS_PORT:-56379}
REDIS_BIN=${FOURREAU_REDIS_BIN:-$(command -v redis-server || echo /usr/bin/redis-server)}
CONF_FILE=$REDIS_DIR/redis.conf
PID_FILE=$REDIS_DIR/redis.pid
LOG_FILE=$REDIS_DIR/redis.log
PASSWORD_FILE=$REDIS_DIR/redis.password

if [[ $(id -u) -eq 0 ]] && id redis >/dev/null 2>&1; then
	OWNER=redis
else
	OWNER=$(id -un)
fi

log() {
	printf 'redis: %s\n' "$*" >&2
}

die() {
	printf 'redis: error: %s\n' "$*" >&2
	exit 1
}

check_settings() {
	[[ $REDIS_PORT =~ ^[0-9]+$ ]] && ((REDIS_PORT > 0 && REDIS_PORT < 65536)) ||
		die "invalid FOURREAU_REDIS_PORT '$REDIS_PORT': expected a TCP port number"
	[[ -x $REDIS_BIN ]] ||
		die "redis-server not found (looked for $REDIS_BIN): run scripts/install-deps.sh --test or set FOURREAU_REDIS_BIN"
}

# Prints the server PID when the server of this folder is running. The PID file may
# name a process that has since ended or that is another program.
running_pid() {
	local pid exe
	[[ -f $PID_FILE ]] || return 1
	pid=$(<"$PID_FILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[[ $(basename "$exe") == redis-server || $(basename "$exe") == redis-check-rdb ]] || return 1
	# redis-server replaces its command line with its address.
	tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- ":$REDIS_PORT" || return 1
	printf '%s\n' "$pid"
}

read_password() {
	[[ -r $PASSWORD_FILE ]] || die "cannot read $PASSWORD_FILE: run 'scripts/redis.sh start' first (as the user who started the server)"
	local password
	password=$(<"$PASSWORD_FILE")
	[[ $password =~ ^[A-Za-z0-9]+$ ]] || die "invalid password in $PASSWORD_FILE: delete it and run start again"
	printf '%s\n' "$password"
}

# Writes the configuration. The password is 32 hexadecimal digits, so it needs no
# quoting in the file or in a URL.
write_config() {
	local password
	password=$(read_password)
	(umask 077 && cat >"$CONF_FILE" <<EOF
# Written by scripts/redis.sh at each start: edit the script, not this file.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
daemonize yes
pidfile $PID_FILE
logfile $LOG_FILE
dir $REDIS_DIR
save ""
appendonly no
requirepass $password
maxmemory 512mb
maxmemory-policy allkeys-lru
EOF
	)
}

replies_to_ping() {
	local password
	password=$(read_password)
	# The password goes through the environment, so it never shows in a process list.
	REDISCLI_AUTH=$password redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning ping 2>/dev/null | grep -q PONG
}

cmd_start() {
	check_settings
	mkdir -p "$REDIS_DIR"
	chmod 0700 "$REDIS_DIR"
	if [[ ! -s $PASSWORD_FILE ]]; then
		log "generating the password in $PASSWORD_FILE"
		(umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$PASSWORD_FILE")
	fi
	local pid
	if pid=$(running_pid); then
		log "already running (PID $pid) on 127.0.0.1:$REDIS_PORT"
	else
		rm -f "$PID_FILE"
		write_config
		touch "$LOG_FILE"
		if [[ $OWNER != $(id -un) ]]; then
			chown -R "$OWNER:" "$REDIS_DIR"
		fi
		log "starting server on 127.0.0.1:$REDIS_PORT (folder $REDIS_DIR)"
		if [[ $OWNER != $(id -un) ]]; then
			(cd / && runuser -u "$OWNER" -- "$REDIS_BIN" "$CONF_FILE") || die "redis-server failed to start: see $LOG_FILE"
		else
			(cd / && "$REDIS_BIN" "$CONF_FILE") || die "redis-server failed to start: see $LOG_FILE"
		fi
	fi
	local attempt
	for attempt in $(seq 1 50); do
		if replies_to_ping; then
			log "ready on 127.0.0.1:$REDIS_PORT"
			return 0
		fi
		sleep 0.2
	done
	die "server did not answer on 127.0.0.1:$REDIS_PORT within 10 s: last lines of $LOG_FILE:
$(tail -n 20 "$LOG_FILE" 2>/dev/null)"
}

cmd_stop() {
	check_settings
	local pid
	if ! pid=$(running_pid); then
		log "not running"
		return 0
	fi
	log "stopping server (PID $pid)"
	kill "$pid"
	local attempt
	for attempt in $(seq 1 50); do
		[[ -d /proc/$pid ]] || {
			log "stopped"
			return 0
		}
		sleep 0.2
	done
	die "server (PID $pid) did not stop within 10 s"
}

cmd_status() {
	check_settings
	local pid
	if ! pid=$(running_pid); then
		echo "stopped: folder $REDIS_DIR"
		return 3
	fi
	if replies_to_ping; then
		echo "running: PID $pid, 127.0.0.1:$REDIS_PORT, folder $REDIS_DIR"
		return 0
	fi
	echo "not answering: PID $pid, 127.0.0.1:$REDIS_PORT, see $LOG_FILE"
	return 3
}

cmd_url() {
	check_settings
	printf 'redis://:%s@127.0.0.1:%s/0\n' "$(read_password)" "$REDIS_PORT"
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
	url) cmd_url ;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
