#!/usr/bin/env bash
# Measure WFS-T inserts: one Transaction inserting N ducts of the default data model
# (netdata.duct) or of the benchmark kit (bench.ducts), validation included. The ducts
# are then deleted again through the WFS, in Delete transactions of DELETE_BATCH ids.
#
# Usage: scripts/bench-wfst.sh [N ...]        (default: 1000 10000)
#
# Environment:
#   WFS_URL   the WFS endpoint of a running server with wfs.transactions open
#             (default http://127.0.0.1:8080/wfs)
#   VERSION   WFS version of the requests, 2.0.0 or 1.1.0 (default 2.0.0)
#   RUNS      measured runs per size (default 3); the median is printed
#   HEADER    an extra request header, such as "X-API-Key: ..." for a partner
#   FEATURES  model (default): ducts of the default data model, type net:duct;
#             bench: ducts of the benchmark kit's bench.ducts table, so that the same
#             request can go to other WFS-T servers publishing that table
#   NS, PREFIX, TYPENAME, GEOM
#             for FEATURES=bench: namespace URI and prefix of the feature type, its name
#             and its geometry property (default http://example.org/bench, bench, ducts,
#             geom; QGIS Server uses http://www.qgis.org/gml, qgs, ducts, geometry)
#   ONE_PER_INSERT=1
#             one feature per Insert action (QGIS Server 3.22 reads only the first
#             feature of an Insert); default 0, all features in one Insert
#   DELETE_BATCH  ids per Delete transaction of the clean-up (default: all in one;
#             QGIS Server 3.22 did not finish deleting 10,000 ids in 10 minutes)
#
# Output: one line per run (size, seconds, features per second), then the median per
# size. Needs bash, curl, awk and sort. Only loopback or a server of your own should be
# given as WFS_URL.
set -euo pipefail

WFS_URL=${WFS_URL:-http://127.0.0.1:8080/wfs}
VERSION=${VERSION:-2.0.0}
RUNS=${RUNS:-3}
HEADER=${HEADER:-}
FEATURES=${FEATURES:-model}
ONE_PER_INSERT=${ONE_PER_INSERT:-0}
DELETE_BATCH=${DELETE_BATCH:-1000000}
case $FEATURES in
model) NS=http://fourreau.org/net PREFIX=net TYPENAME=duct ;;
bench) NS=${NS:-http://example.org/bench} PREFIX=${PREFIX:-bench} TYPENAME=${TYPENAME:-ducts} GEOM=${GEOM:-geom} ;;
*) echo "bench-wfst: FEATURES must be model or bench" >&2; exit 2 ;;
esac
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

# bench_payload N: N ducts of bench.ducts, the attributes and line shapes of the
# benchmark kit's wfst case. They lie east of the dataset's area (x 350,000 to 560,000),
# so that while they exist they change no tile or box that other cases request.
bench_payload() {
	awk -v n="$1" -v v="$VERSION" -v wfs="$wfs" -v gml="$gml" -v ns="$NS" -v pf="$PREFIX" -v tn="$TYPENAME" -v gp="$GEOM" -v one="$ONE_PER_INSERT" 'BEGIN {
		printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		printf "<wfs:Transaction service=\"WFS\" version=\"%s\" handle=\"bench-%d\" xmlns:wfs=\"%s\" xmlns:gml=\"%s\" xmlns:%s=\"%s\">\n", v, n, wfs, gml, pf, ns
		if (one != 1) printf "<wfs:Insert>\n"
		for (i = 0; i < n; i++) {
			x = 600000 + (i % 100) * 50; y = 6840000 + int(i / 100) * 40
			if (one == 1) printf "<wfs:Insert>"
			printf "<%s:%s><%s:%s><gml:LineString srsName=\"urn:ogc:def:crs:EPSG::2154\"><gml:posList srsDimension=\"2\">%d %d %d %d %d %d</gml:posList></gml:LineString></%s:%s>", pf, tn, pf, gp, x, y, x + 20, y + 15, x + 45, y + 18, pf, gp
			printf "<%s:ref>WT%05d</%s:ref><%s:owner>WFST-BENCH</%s:owner><%s:network_type>telecom</%s:network_type>", pf, i, pf, pf, pf, pf, pf
			printf "<%s:diameter_mm>45</%s:diameter_mm><%s:material>PEHD</%s:material><%s:free_capacity>100</%s:free_capacity>", pf, pf, pf, pf, pf, pf
			printf "<%s:precision_class>A</%s:precision_class><%s:laid_on>2025-06-01</%s:laid_on><%s:commune>Caen</%s:commune></%s:%s>", pf, pf, pf, pf, pf, pf, pf, tn
			if (one == 1) printf "</wfs:Insert>"
			printf "\n"
		}
		if (one != 1) printf "</wfs:Insert>\n"
		printf "</wfs:Transaction>\n"
	}'
}

for n in "${SIZES[@]}"; do
	if [[ $FEATURES == bench ]]; then
		bench_payload "$n" > "$work/insert.xml"
	else
		payload "$n" > "$work/insert.xml"
	fi
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
		rm -f "$work"/ids.part.*
		split -l "$DELETE_BATCH" "$work/ids" "$work/ids.part."
		deleted=0 dseconds=0
		for part in "$work"/ids.part.*; do
			{
				echo "<wfs:Transaction service=\"WFS\" version=\"$VERSION\" xmlns:wfs=\"$wfs\" $filterns xmlns:$PREFIX=\"$NS\">"
				echo "<wfs:Delete typeName=\"$PREFIX:$TYPENAME\"><${filter%%:*}:Filter>"
				sed "s/.*/<$filter $idattr=\"&\"\/>/" "$part"
				echo "</${filter%%:*}:Filter></wfs:Delete></wfs:Transaction>"
			} > "$work/delete.xml"
			read -r dstatus partseconds < <(post "$work/delete.xml")
			removed=$(grep -oE 'totalDeleted>[0-9]+' "$work/resp" | grep -oE '[0-9]+$' || true)
			if [[ $dstatus != 200 ]]; then
				echo "run $run: delete failed: HTTP $dstatus, deleted '${removed:-}'" >&2
				exit 1
			fi
			deleted=$((deleted + ${removed:-0}))
			dseconds=$(awk -v a="$dseconds" -v b="$partseconds" 'BEGIN { print a + b }')
		done
		if [[ $deleted != "$n" ]]; then
			echo "run $run: deleted $deleted of $n features" >&2
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
