-- Readable write-guard messages. The write path reports the message of a
-- WF403 or WF423 error to the client, so it now says what was refused and
-- what to do, in place of an internal reason code (still in HINT).

-- Trigger arguments: key column, owner column ('' when none), geometry column.
CREATE OR REPLACE FUNCTION netdata.feature_write() RETURNS trigger
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
    plain_new   text;
    plain_old   text;
    geoms_new   text;
    geoms_old   text;
BEGIN
    IF caller_role IS NOT NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format($q$SELECT o.%1$I FROM old_rows o
              JOIN wfs.locked_feature f ON f.table_name = $1 AND f.feature_id = o.%1$I
              JOIN wfs.lock l ON l.lock_id = f.lock_id
             WHERE l.expires_at > now() AND l.lock_id IS DISTINCT FROM $2
             LIMIT 1$q$, key_col)
            INTO offender USING tbl, lock_token;
        IF offender IS NOT NULL THEN
            RAISE EXCEPTION '% id % is locked by another client: send the lockId that holds it, or retry after the lock expires', tbl, offender
                USING ERRCODE = 'WF423', DETAIL = offender::text, SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
        END IF;
    END IF;

    IF caller_role = 'partner' THEN
        IF owner_col IS NULL THEN
            RAISE EXCEPTION '% has no owner column, so only administrators may write it', tbl
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
                RAISE EXCEPTION '% id % %', tbl, offender, CASE reason
                        WHEN 'owner' THEN 'is owned by another organisation: partners may only change their own organisation''s features'
                        ELSE 'lies outside the write area of the partner''s organisation' END
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
                RAISE EXCEPTION '% id % %', tbl, offender, CASE reason
                        WHEN 'new_owner' THEN 'would be owned by another organisation: partners may not write features for another organisation'
                        ELSE 'would lie outside the write area of the partner''s organisation' END
                    USING ERRCODE = 'WF403', DETAIL = offender::text, HINT = reason, SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
            END IF;
        END IF;
    END IF;

    -- A row's state is to_jsonb of its other columns merged with its geometry columns
    -- written by ST_AsGeoJSON: to_jsonb of the whole row would convert geometries
    -- through PostGIS's generic JSON cast, which costs several times more.
    SELECT string_agg(format('n.%I', a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE NOT a.is_geometry),
           string_agg(format('o.%I', a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE NOT a.is_geometry),
           coalesce(string_agg(format('%L, ST_AsGeoJSON(n.%I, 15, 2)::jsonb', a.attname, a.attname), ', ' ORDER BY a.attnum)
                    FILTER (WHERE a.is_geometry), ''),
           coalesce(string_agg(format('%L, ST_AsGeoJSON(o.%I, 15, 2)::jsonb', a.attname, a.attname), ', ' ORDER BY a.attnum)
                    FILTER (WHERE a.is_geometry), '')
      INTO plain_new, plain_old, geoms_new, geoms_old
      FROM (SELECT attname, attnum, atttypid = 'geometry'::regtype AS is_geometry
              FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped) a;

    IF TG_OP = 'INSERT' THEN
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, after, geom)
            SELECT $1, n.%1$I, 'insert', $2, $3, $4, to_jsonb(np) || jsonb_build_object(%3$s), n.%2$I
              FROM new_rows n CROSS JOIN LATERAL (SELECT %4$s) np$q$, key_col, geom_col, geoms_new, plain_new)
            USING tbl, submission, caller_org, login;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Rows are paired on the key, which the published tables never change
        -- (identity columns).
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, before, after, geom)
            SELECT $1, n.%1$I, 'update', $2, $3, $4,
                   to_jsonb(op) || jsonb_build_object(%5$s), to_jsonb(np) || jsonb_build_object(%3$s), n.%2$I
              FROM new_rows n JOIN old_rows o ON o.%1$I = n.%1$I
             CROSS JOIN LATERAL (SELECT %6$s) op CROSS JOIN LATERAL (SELECT %4$s) np$q$,
            key_col, geom_col, geoms_new, plain_new, geoms_old, plain_old)
            USING tbl, submission, caller_org, login;
    ELSE
        EXECUTE format($q$INSERT INTO netdata.feature_history
                (table_name, feature_id, operation, submission_id, org_id, partner_login, before, geom)
            SELECT $1, o.%1$I, 'delete', $2, $3, $4, to_jsonb(op) || jsonb_build_object(%3$s), o.%2$I
              FROM old_rows o CROSS JOIN LATERAL (SELECT %4$s) op$q$, key_col, geom_col, geoms_old, plain_old)
            USING tbl, submission, caller_org, login;
    END IF;
    RETURN NULL;
END;
$fn$;
