#!/usr/bin/env bash
# Measure WFS-T inserts: one Transaction inserting N ducts of the default data model
# (netdata.duct), validation included, then one Transaction deleting them again.
#
# Usage: scripts/bench-wfst.sh [N ...]        (default: 1000 10000)
#
# Environment:
#   WFS_URL   the WFS endpoint of a running server with wfs.transactions open
#             (default http://127.0.0.1:8080/wfs)
#   VERSION   WFS version of the requests, 2.0.0 or 1.1.0 (default 2.0.0)
#   RUNS      measured runs per size (default 3); the median is printed
#   HEADER    an extra request header, such as "X-API-Key: ..." for a partner
#
# Output: one line per run (size, seconds, features per second), then the median per
# size. Needs bash, curl, awk and sort. Only loopback or a server of your own should be
# given as WFS_URL.
set -euo pipefail

WFS_URL=${WFS_URL:-http://127.0.0.1:8080/wfs}
VERSION=${VERSION:-2.0.0}
RUNS=${RUNS:-3}
HEADER=${HEADER:-}
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 10000)

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-wfst.XXXXXX")
trap 'rm -rf "$work"' EXIT

case $VERSION in
2.0.0) wfs=http://www.opengis.net/wfs/2.0 gml=http://www.opengis.net/gml/3.2 filter=fes:ResourceId idattr=rid
	filterns='xmlns:fes="http://www.opengis.net/fes/2.0"' ;;
1.1.0) wfs=http://www.opengis.net/wfs gml=http://www.opengis.net/gml filter=ogc:FeatureId idattr=fid
	filterns='xmlns:ogc="http://www.opengis.net/ogc"' ;;
*) echo "bench-wfst: VERSION must be 2.0.0 or 1.1.0" >&2; exit 2 ;;
esac

# payload N: N ducts in one Insert, each a three-vertex line in Caen (Lambert-93) with
# the attributes an as-built delivery carries.
payload() {
	awk -v n="$1" -v v="$VERSION" -v wfs="$wfs" -v gml="$gml" 'BEGIN {
		printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		printf "<wfs:Transaction service=\"WFS\" version=\"%s\" handle=\"bench-%d\" xmlns:wfs=\"%s\" xmlns:gml=\"%s\" xmlns:net=\"http://fourreau.org/net\">\n", v, n, wfs, gml
		printf "<wfs:Insert handle=\"ducts\">\n"
		for (i = 0; i < n; i++) {
			x = 450000 + (i % 100) * 100; y = 6899000 + int(i / 100) * 60
			printf "<net:duct><net:code>BENCH-WFST-%06d</net:code><net:network_category>COM</net:network_category>", i
			printf "<net:lifecycle_status>functional</net:lifecycle_status><net:condition>OK</net:condition>"
			printf "<net:precision_xy>A</net:precision_xy><net:geoloc_mode>LTRO</net:geoloc_mode>"
			printf "<net:built_on>2024-05-%02d</net:built_on><net:in_service_on>2024-06-%02d</net:in_service_on>", 1 + i % 28, 1 + i % 28
			printf "<net:duct_type>PE</net:duct_type><net:inner_diameter_mm>38</net:inner_diameter_mm><net:outer_diameter_mm>45</net:outer_diameter_mm>"
			printf "<net:colour>orange</net:colour><net:cable_count>%d</net:cable_count><net:occupancy_class>1.1</net:occupancy_class>", i % 4
			printf "<net:occupancy_pct>%d</net:occupancy_pct><net:comment>livraison de récolement %d</net:comment>", (i * 7) % 100, int(i / 100)
			printf "<net:geom><gml:LineString srsName=\"urn:ogc:def:crs:EPSG::2154\"><gml:posList>%d %d %d %d %d %d</gml:posList></gml:LineString></net:geom></net:duct>\n", x, y, x + 40, y + 15, x + 80, y + 10
		}
		printf "</wfs:Insert>\n</wfs:Transaction>\n"
	}'
}

post() { # file -> writes response to $work/resp, prints "status seconds"
	local args=(-s -o "$work/resp" --max-time 600 -H 'Content-Type: text/xml' --data-binary @"$1" -w '%{http_code} %{time_total}\n')
	[[ -n $HEADER ]] && args+=(-H "$HEADER")
	curl "${args[@]}" "$WFS_URL"
}

for n in "${SIZES[@]}"; do
	payload "$n" > "$work/insert.xml"
	printf 'size %d: request body %d bytes\n' "$n" "$(stat -c %s "$work/insert.xml")"
	: > "$work/times"
	for run in $(seq 1 "$RUNS"); do
		read -r status seconds < <(post "$work/insert.xml")
		inserted=$(grep -oE 'totalInserted>[0-9]+' "$work/resp" | grep -oE '[0-9]+$' || true)
		if [[ $status != 200 || ${inserted:-0} != "$n" ]]; then
			echo "run $run: insert failed: HTTP $status, inserted '${inserted:-}'" >&2
			head -c 600 "$work/resp" >&2
			echo >&2
			exit 1
		fi
		grep -oE "$idattr=\"[^\"]+\"" "$work/resp" | cut -d'"' -f2 > "$work/ids"
		{
			echo "<wfs:Transaction service=\"WFS\" version=\"$VERSION\" xmlns:wfs=\"$wfs\" $filterns xmlns:net=\"http://fourreau.org/net\">"
			echo "<wfs:Delete typeName=\"net:duct\"><${filter%%:*}:Filter>"
			sed "s/.*/<$filter $idattr=\"&\"\/>/" "$work/ids"
			echo "</${filter%%:*}:Filter></wfs:Delete></wfs:Transaction>"
		} > "$work/delete.xml"
		read -r dstatus dseconds < <(post "$work/delete.xml")
		deleted=$(grep -oE 'totalDeleted>[0-9]+' "$work/resp" | grep -oE '[0-9]+$' || true)
		if [[ $dstatus != 200 || ${deleted:-0} != "$n" ]]; then
			echo "run $run: delete failed: HTTP $dstatus, deleted '${deleted:-}'" >&2
			exit 1
		fi
		rate=$(awk -v n="$n" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
		printf 'run %d: inserted %d in %.3f s (%s features/s); deleted in %.3f s\n' "$run" "$n" "$seconds" "$rate" "$dseconds"
		echo "$seconds" >> "$work/times"
	done
	median=$(sort -n "$work/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	printf 'size %d: median %.3f s, %s features/s over %d runs\n' "$n" "$median" \
		"$(awk -v n="$n" -v s="$median" 'BEGIN { printf "%.0f", n / s }')" "$RUNS"
done
