-- Write guard and history of the published feature tables.
--
-- The server runs each WFS transaction with transaction-local settings:
--   fourreau.role           partner or admin (unset for the loader and direct SQL)
--   fourreau.org_id         organisation of the caller
--   fourreau.login          partner login
--   fourreau.submission_id  netdata.asbuilt_submission row of the transaction
--   fourreau.lock_id        lock presented by the transaction, if any
-- Statement-level triggers on each tracked table check every write, whatever
-- SQL the write path ran. They reject a change to a feature locked by another
-- lock and, for a partner, any change to a feature its organisation does not
-- own or that lies outside its write area. They record the before and after
-- state of every changed row in netdata.feature_history.

ALTER TABLE netdata.asbuilt_submission
    ADD COLUMN partner_login  text,
    ADD COLUMN handle         text,
    ADD COLUMN total_inserted integer NOT NULL DEFAULT 0,
    ADD COLUMN total_updated  integer NOT NULL DEFAULT 0,
    ADD COLUMN total_replaced integer NOT NULL DEFAULT 0,
    ADD COLUMN total_deleted  integer NOT NULL DEFAULT 0,
    ADD COLUMN completed_at   timestamptz;

CREATE INDEX asbuilt_submission_received_idx ON netdata.asbuilt_submission (received_at);
CREATE INDEX asbuilt_submission_org_idx ON netdata.asbuilt_submission (submitted_by_org_id);

-- One row per changed feature and statement. before is NULL for an insert
-- and after is NULL for a delete. Both are the whole row as JSON, with the
-- geometry as GeoJSON. geom is the geometry after the change (before it, for a
-- delete), kept as a column for spatial filters.
CREATE TABLE netdata.feature_history (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- schema.table of the feature.
    table_name    text NOT NULL,
    feature_id    bigint NOT NULL,
    operation     text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    -- NULL for writes made outside a WFS transaction (fourreau load, SQL).
    submission_id bigint REFERENCES netdata.asbuilt_submission (id),
    -- Organisation and login of the partner; no foreign key, so that the
    -- history outlives a removed organisation.
    org_id        bigint,
    partner_login text,
    -- Start time of the database transaction that made the change.
    changed_at    timestamptz NOT NULL DEFAULT now(),
    before        jsonb,
    after         jsonb,
    geom          geometry
);

CREATE INDEX feature_history_table_time_idx ON netdata.feature_history (table_name, changed_at);
CREATE INDEX feature_history_feature_idx ON netdata.feature_history (table_name, feature_id);
CREATE INDEX feature_history_submission_idx ON netdata.feature_history (submission_id);
CREATE INDEX feature_history_geom_gist ON netdata.feature_history USING gist (geom);

-- Tables carrying the guard and history triggers, with the columns the
-- server needs to check ownership and locks. owner_column NULL: no owner, so
-- only administrators may write the table through the server.
CREATE TABLE netdata.tracked_table (
    table_name   text PRIMARY KEY,
    key_column   text NOT NULL,
    owner_column text,
    geom_column  text NOT NULL
);

-- Trigger arguments: key column, owner column ('' when none), geometry column.
CREATE FUNCTION netdata.feature_write() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    caller_role text := nullif(current_setting('fourreau.role', true), '');
    caller_org  bigint := nullif(current_setting('fourreau.org_id', true), '')::bigint;
    lock_token  text := nullif(current_setting('fourreau.lock_id', true), '');
    submission  bigint := nullif(current_setting('fourreau.submission_id', true), '')::bigint;
    login       text := nullif(current_setting('fourreau.login', true), '');
    tbl         text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    key_col     text := TG_ARGV[0];
    owner_col   text := nullif(TG_ARGV[1], '');
    geom_col    text := TG_ARGV[2];
    scope       geometry;
    offender    bigint;
    reason      text;
BEGIN
    IF caller_role IS NOT NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format($q$SELECT o.%1$I FROM old_rows o
              JOIN wfs.locked_feature f ON f.table_name = $1 AND f.feature_id = o.%1$I
              JOIN wfs.lock l ON l.lock_id = f.lock_id
             WHERE l.expires_at > now() AND l.lock_id IS DISTINCT FROM $2
             LIMIT 1$q$, key_col)
            INTO offender USING tbl, lock_token;
        IF offender IS NOT NULL THEN
            RAISE EXCEPTION 'feature % of % is locked by another lock', offender, tbl
                USING ERRCODE = 'WF423', DETAIL = offender::text, SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
        END IF;
    END IF;

    IF caller_role = 'partner' THEN
        IF owner_col IS NULL THEN
            RAISE EXCEPTION 'table % has no owner column: only administrators may write it', tbl
                USING ERRCODE = 'WF403', HINT = 'no_owner', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
        END IF;
        SELECT o.wfs_write_scope INTO scope FROM netdata.organisation o WHERE o.id = caller_org;
        -- A feature qualifies when its organisation is the caller's and, when the
        -- caller has a write area, its geometry lies inside it: before the change
        -- for updates and deletes, and after it for inserts and updates.
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            EXECUTE format($q$SELECT o.%1$I, CASE WHEN o.%2$I IS DISTINCT FROM $1 THEN 'owner' ELSE 'area' END
                  FROM old_rows o
                 WHERE o.%2$I IS DISTINCT FROM $1
                    OR ($2::geometry IS NOT NULL
                        AND NOT coalesce(ST_CoveredBy(o.%3$I, ST_Transform($2::geometry, ST_SRID(o.%3$I))), false))
                 LIMIT 1$q$, key_col, owner_col, geom_col)
                INTO offender, reason USING caller_org, scope;
            IF offender IS NOT NULL THEN
                RAISE EXCEPTION 'feature % of % is not changeable by organisation %: %', offender, tbl, caller_org, reason
                    USING ERRCODE = 'WF403', DETAIL = offender::text, HINT = reason, SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
            END IF;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE format($q$SELECT n.%1$I, CASE WHEN n.%2$I IS DISTINCT FROM $1 THEN 'new_owner' ELSE 'new_area' END
                  FROM new_rows n
                 WHERE n.%2$I IS DISTINCT FROM $1
                    OR ($2::geometry IS NOT NULL
                        AND NOT coalesce(ST_CoveredBy(n.%3$I, ST_Transform($2::geometry, ST_SRID(n.%3$I))), false))
                 LIMIT 1$q$, key_col, owner_col, geom_col)
                INTO offender, reason USING caller_org, scope;
            IF offender IS NOT NULL THEN
                RAISE EXCEPTION 'feature % of % would not be changeable by organisation %: %', offender, tbl, caller_org, reason
                    USING ERRCODE = 'WF403', DETAIL = offender::text, HINT = reason, SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
            END IF;
        END IF;
    END IF;

    IF TG_OP = 'INSERT' THEN
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, after, geom)
            SELECT $1, n.%1$I, 'insert', $2, $3, $4, to_jsonb(n), n.%2$I FROM new_rows n$q$, key_col, geom_col)
            USING tbl, submission, caller_org, login;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Rows are paired on the key, which the published tables never change
        -- (identity columns).
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, before, after, geom)
            SELECT $1, n.%1$I, 'update', $2, $3, $4, to_jsonb(o), to_jsonb(n), n.%2$I
              FROM new_rows n JOIN old_rows o ON o.%1$I = n.%1$I$q$, key_col, geom_col)
            USING tbl, submission, caller_org, login;
    ELSE
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, before, geom)
            SELECT $1, o.%1$I, 'delete', $2, $3, $4, to_jsonb(o), o.%2$I FROM old_rows o$q$, key_col, geom_col)
            USING tbl, submission, caller_org, login;
    END IF;
    RETURN NULL;
END;
$fn$;

-- Installs the guard and history triggers on a table and records it in
-- netdata.tracked_table. Safe to call again. The owner column's default
-- becomes the caller's organisation, so that features inserted through the
-- server are owned by the partner that sent them.
CREATE FUNCTION netdata.track_writes(tbl regclass, key_column text, owner_column text, geom_column text)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    qualified text;
    args      text;
    op        text;
BEGIN
    SELECT n.nspname || '.' || c.relname INTO qualified
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
    args := format('%L, %L, %L', key_column, coalesce(owner_column, ''), geom_column);
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'feature_write_' || op, tbl);
    END LOOP;
    EXECUTE format('CREATE TRIGGER feature_write_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.feature_write(%s)', tbl, args);
    EXECUTE format('CREATE TRIGGER feature_write_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.feature_write(%s)', tbl, args);
    EXECUTE format('CREATE TRIGGER feature_write_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION netdata.feature_write(%s)', tbl, args);
    IF owner_column IS NOT NULL THEN
        EXECUTE format($q$ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nullif(current_setting('fourreau.org_id', true), '')::bigint$q$,
            tbl, owner_column);
    END IF;
    INSERT INTO netdata.tracked_table (table_name, key_column, owner_column, geom_column)
    VALUES (qualified, key_column, owner_column, geom_column)
    ON CONFLICT (table_name) DO UPDATE
        SET key_column = excluded.key_column, owner_column = excluded.owner_column, geom_column = excluded.geom_column;
END;
$fn$;

SELECT netdata.track_writes('netdata.duct', 'id', 'owner_org_id', 'geom');
SELECT netdata.track_writes('netdata.route', 'id', 'owner_org_id', 'geom');
SELECT netdata.track_writes('netdata.technical_point', 'id', 'owner_org_id', 'geom');
SELECT netdata.track_writes('netdata.network_link', 'id', 'owner_org_id', 'geom');
SELECT netdata.track_writes('netdata.planned_works', 'id', 'project_owner_org_id', 'geom');
SELECT netdata.track_writes('osm.power_line', 'id', NULL, 'geom');
SELECT netdata.track_writes('osm.power_tower', 'id', NULL, 'geom');

-- The submission of the transaction that inserted a feature.
ALTER TABLE netdata.duct ALTER COLUMN submission_id SET DEFAULT nullif(current_setting('fourreau.submission_id', true), '')::bigint;
ALTER TABLE netdata.route ALTER COLUMN submission_id SET DEFAULT nullif(current_setting('fourreau.submission_id', true), '')::bigint;
ALTER TABLE netdata.technical_point ALTER COLUMN submission_id SET DEFAULT nullif(current_setting('fourreau.submission_id', true), '')::bigint;
ALTER TABLE netdata.network_link ALTER COLUMN submission_id SET DEFAULT nullif(current_setting('fourreau.submission_id', true), '')::bigint;

-- History layers, one view per netdata feature table, published as
-- net:<table>_history. changed_properties lists the properties whose value
-- differs between before and after.
DO $do$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('duct', 'LineString'), ('route', 'LineString'), ('technical_point', 'Point'),
        ('network_link', 'LineString'), ('planned_works', 'MultiLineString')) v (name, geometry_type)
    LOOP
        EXECUTE format($v$CREATE VIEW netdata.%I AS
            SELECT h.id, h.feature_id, h.operation, h.changed_at, h.submission_id,
                   s.handle AS submission_handle, h.org_id AS organisation_id,
                   o.code AS organisation_code, h.partner_login,
                   (SELECT string_agg(k, ',' ORDER BY k)
                      FROM (SELECT jsonb_object_keys(coalesce(h.after, h.before)) AS k) keys
                     WHERE h.operation <> 'update' OR h.before -> k IS DISTINCT FROM h.after -> k) AS changed_properties,
                   h.before::text AS before_state, h.after::text AS after_state,
                   h.geom::geometry(%s, 2154) AS geom
              FROM netdata.feature_history h
              LEFT JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
              LEFT JOIN netdata.organisation o ON o.id = h.org_id
             WHERE h.table_name = %L$v$, t.name || '_history', t.geometry_type, 'netdata.' || t.name);
    END LOOP;
END;
$do$;
