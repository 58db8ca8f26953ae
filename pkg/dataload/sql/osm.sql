-- Maps an OpenStreetMap extract, staged by ogr2ogr's OSM driver in schema
-- dataload_staging (osm_lines, osm_points), to osm.power_line and
-- osm.power_tower.
--
-- Runs in the loader's transaction, after the previous rows of the source
-- were deleted; the source name is read from the transaction-local setting
-- fourreau.load_source. The driver writes tags outside its column set to
-- other_tags as "key"=>"value" pairs separated by commas, with " and \
-- escaped by a backslash.

CREATE OR REPLACE FUNCTION pg_temp.osm_tags(other_tags text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(
               regexp_replace(m[1], '\\(.)', '\1', 'g'),
               regexp_replace(m[2], '\\(.)', '\1', 'g')), '{}'::jsonb)
    FROM regexp_matches(coalesce(other_tags, ''),
                        '"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"', 'g') AS m
$$;

-- Highest of the ';'-separated voltages, in volts; NULL when none is a
-- plain integer.
CREATE OR REPLACE FUNCTION pg_temp.osm_max_voltage(voltage text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT max(btrim(v)::bigint)::integer
    FROM unnest(string_to_array(voltage, ';')) AS v
    WHERE btrim(v) ~ '^[0-9]{1,9}$'
$$;

INSERT INTO osm.power_line
    (osm_id, name, voltage, voltage_max_v, operator, cables, circuits, wires, frequency, ref,
     tags, source, geom)
SELECT
    l.osm_id::bigint,
    coalesce(nullif(l.name, ''), t.tags ->> 'name'),
    t.tags ->> 'voltage',
    pg_temp.osm_max_voltage(t.tags ->> 'voltage'),
    t.tags ->> 'operator',
    t.tags ->> 'cables',
    t.tags ->> 'circuits',
    t.tags ->> 'wires',
    t.tags ->> 'frequency',
    t.tags ->> 'ref',
    t.tags,
    current_setting('fourreau.load_source'),
    ST_Force2D(l.geom)
FROM dataload_staging.osm_lines l
CROSS JOIN LATERAL (SELECT pg_temp.osm_tags(l.other_tags) AS tags) t
WHERE t.tags ->> 'power' = 'line'
  AND GeometryType(l.geom) = 'LINESTRING'
ORDER BY l.ogc_fid;

INSERT INTO osm.power_tower
    (osm_id, ref, name, operator, design, structure, material, height, tags, source, geom)
SELECT
    p.osm_id::bigint,
    coalesce(nullif(p.ref, ''), t.tags ->> 'ref'),
    coalesce(nullif(p.name, ''), t.tags ->> 'name'),
    t.tags ->> 'operator',
    t.tags ->> 'design',
    t.tags ->> 'structure',
    t.tags ->> 'material',
    t.tags ->> 'height',
    t.tags,
    current_setting('fourreau.load_source'),
    ST_Force2D(p.geom)
FROM dataload_staging.osm_points p
CROSS JOIN LATERAL (SELECT pg_temp.osm_tags(p.other_tags) AS tags) t
WHERE t.tags ->> 'power' = 'tower'
ORDER BY p.ogc_fid;
