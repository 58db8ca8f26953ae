#!/usr/bin/env bash
# Install the Debian packages that fourreau needs, skipping those already installed.
#
# Usage: scripts/install-deps.sh [--test]
#
#   (no option)  packages needed to run the server and load data
#   --test       those plus the packages used only by the test suite
#
# The package index is refreshed (apt-get update) once, and only when something
# must be installed. Installing needs root.
set -euo pipefail

# Packages needed by `make run`: the database server with PostGIS, and the GDAL
# command-line tools (ogr2ogr, ogrinfo) for the shapefile data deliveries.
readonly RUN_PACKAGES=(
	postgresql-15
	postgresql-15-postgis-3
	gdal-bin
)

# Packages needed only by `make test`: xmllint for validating responses against
# the OGC XML schemas, the QGIS and OWSLib Python modules as WFS clients, and
# redis-server for the tests of the Redis tile cache (scripts/redis.sh runs a
# private server; the Debian service is left alone). The map page test drives
# chromium headless through the DevTools protocol with a Go module (chromedp).
# Debian installs those modules for /usr/bin/python3, not for another python3
# that may come first on PATH. wrk is not listed because `make test` runs no
# load test.
readonly TEST_PACKAGES=(
	libxml2-utils
	python3-qgis
	python3-owslib
	redis-server
	chromium
)

log() {
	printf 'install-deps: %s\n' "$*" >&2
}

is_installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

main() {
	local packages=("${RUN_PACKAGES[@]}")
	case ${1:-} in
	"") ;;
	--test) packages+=("${TEST_PACKAGES[@]}") ;;
	*)
		printf 'usage: %s [--test]\n' "$0" >&2
		exit 2
		;;
	esac

	local missing=() package
	for package in "${packages[@]}"; do
		is_installed "$package" || missing+=("$package")
	done
	if ((${#missing[@]} == 0)); then
		log "all ${#packages[@]} packages already installed"
		return 0
	fi

	if [[ $(id -u) -ne 0 ]]; then
		log "error: missing packages ${missing[*]}: run this script as root, or install them with apt-get"
		exit 1
	fi

	# Waiting for the dpkg lock lets this run beside another apt-get instead of failing.
	local apt_options=(-y -q -o DPkg::Lock::Timeout=600)
	export DEBIAN_FRONTEND=noninteractive
	log "refreshing the package index (apt-get update)"
	apt-get "${apt_options[@]}" update
	log "installing ${missing[*]}"
	apt-get "${apt_options[@]}" install "${missing[@]}"
}

main "$@"
