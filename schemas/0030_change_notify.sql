-- Change notifications for caches: after every statement that writes a
-- published table, NOTIFY on channel fourreau_change with the bounding boxes
-- of the changed rows' geometries, before the change (old) and after it (new),
-- in the geometry column's own CRS. The server listens on that channel and
-- drops the cached tiles that cover those boxes, whatever wrote the rows.
--
-- Payload (JSON text, at most 8000 bytes as NOTIFY requires):
--   {"table": "netdata.duct", "column": "geom", "op": "UPDATE", "srid": 2154,
--    "old": [[xmin, ymin, xmax, ymax], ...], "new": [[...], ...]}
-- or, when the area is unknown (TRUNCATE, or too many boxes to fit):
--   {"table": "netdata.duct", "column": "geom", "op": "TRUNCATE", "all": true}
--
-- Rows are grouped by 5 km cells (0.05 degree in a geographic CRS) so that
-- one statement that edits features in two towns sends two small boxes rather
-- than one box covering both towns. Above 16 cells the statement sends the
-- box of all its rows.

-- Trigger function; its argument is the geometry column. The boxes are
-- computed here and not in a helper function because the transition tables
-- old_rows and new_rows are only visible to the trigger function's own queries.
CREATE FUNCTION netdata.notify_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    geom_column text := TG_ARGV[0];
    tbl         text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    rel         text;
    rel_boxes   jsonb;
    rel_srid    integer;
    srid        integer;
    cell        float8;
    boxes       jsonb := '{"old_rows": [], "new_rows": []}';
    payload     text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('fourreau_change',
            jsonb_build_object('table', tbl, 'column', geom_column, 'op', TG_OP, 'all', true)::text);
        RETURN NULL;
    END IF;
    FOREACH rel IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows'] WHEN 'DELETE' THEN ARRAY['old_rows']
                                    ELSE ARRAY['old_rows', 'new_rows'] END LOOP
        EXECUTE format('SELECT ST_SRID(%1$I) FROM %2$I WHERE %1$I IS NOT NULL LIMIT 1', geom_column, rel) INTO rel_srid;
        CONTINUE WHEN rel_srid IS NULL;
        IF srid IS NOT NULL AND srid <> rel_srid THEN
            -- Rows in two CRSs (a column without SRID constraint): send no boxes.
            boxes := NULL;
            EXIT;
        END IF;
        srid := rel_srid;
        cell := CASE WHEN EXISTS (SELECT FROM spatial_ref_sys s WHERE s.srid = rel_srid AND s.proj4text LIKE '%+proj=longlat%')
                     THEN 0.05 ELSE 5000 END;
        EXECUTE format($q$
            WITH r AS (SELECT %1$I AS g FROM %2$I WHERE %1$I IS NOT NULL AND NOT ST_IsEmpty(%1$I)),
                 cells AS (SELECT ST_Extent(g) AS b FROM r GROUP BY floor(ST_XMin(g) / $1), floor(ST_YMin(g) / $1))
            SELECT CASE
                     WHEN count(*) = 0 THEN '[]'::jsonb
                     WHEN count(*) <= 16 THEN jsonb_agg(jsonb_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)))
                     ELSE (SELECT jsonb_build_array(jsonb_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)))
                             FROM (SELECT ST_Extent(g) AS e FROM r) u)
                   END
              FROM cells$q$, geom_column, rel) INTO rel_boxes USING cell;
        boxes := jsonb_set(boxes, ARRAY[rel], rel_boxes);
    END LOOP;
    IF boxes IS NOT NULL AND jsonb_array_length(boxes -> 'old_rows') = 0 AND jsonb_array_length(boxes -> 'new_rows') = 0 THEN
        RETURN NULL;
    END IF;
    IF boxes IS NOT NULL THEN
        payload := jsonb_build_object('table', tbl, 'column', geom_column, 'op', TG_OP, 'srid', srid,
            'old', boxes -> 'old_rows', 'new', boxes -> 'new_rows')::text;
    END IF;
    IF boxes IS NULL OR octet_length(payload) > 7900 THEN
        payload := jsonb_build_object('table', tbl, 'column', geom_column, 'op', TG_OP, 'all', true)::text;
    END IF;
    PERFORM pg_notify('fourreau_change', payload);
    RETURN NULL;
END;
$fn$;

-- Installs the change notification triggers on a table. Safe to call again.
CREATE FUNCTION netdata.notify_changes(tbl regclass, geom_column text)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    op text;
BEGIN
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'change_notify_' || op, tbl);
    END LOOP;
    EXECUTE format('CREATE TRIGGER change_notify_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.notify_change(%L)', tbl, geom_column);
    EXECUTE format('CREATE TRIGGER change_notify_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.notify_change(%L)', tbl, geom_column);
    EXECUTE format('CREATE TRIGGER change_notify_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.notify_change(%L)', tbl, geom_column);
    EXECUTE format('CREATE TRIGGER change_notify_truncate AFTER TRUNCATE ON %s
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.notify_change(%L)', tbl, geom_column);
END;
$fn$;

SELECT netdata.notify_changes('netdata.duct', 'geom');
SELECT netdata.notify_changes('netdata.route', 'geom');
SELECT netdata.notify_changes('netdata.technical_point', 'geom');
SELECT netdata.notify_changes('netdata.network_link', 'geom');
SELECT netdata.notify_changes('netdata.planned_works', 'geom');
SELECT netdata.notify_changes('osm.power_line', 'geom');
SELECT netdata.notify_changes('osm.power_tower', 'geom');
