-- Maps a GraceTHD v2.0.1 delivery, staged by ogr2ogr in schema
-- dataload_staging (tables gracethd_*), to the netdata model.
--
-- Runs in the loader's transaction, after the previous rows of the source
-- were deleted. The source name ('gracethd:<folder>') is read from the
-- transaction-local setting fourreau.load_source. CSV columns are staged as
-- text, with '' for empty values: pg_temp.nz turns those into NULL.
-- Unknown codes map to NULL, or to the fallback named at each mandatory
-- column.

CREATE OR REPLACE FUNCTION pg_temp.nz(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT nullif(btrim(v), '') $$;

-- Model code of a GraceTHD code in a netdata lookup table, by its
-- gracethd_value column.
CREATE OR REPLACE FUNCTION pg_temp.gthd(list text, value text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    result text;
BEGIN
    IF pg_temp.nz(value) IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT code FROM netdata.%I WHERE gracethd_value = $1', list)
        INTO result USING btrim(value);
    RETURN result;
END;
$$;

-- GraceTHD booleans are written t/f (sometimes T/F, true/false, 1/0).
CREATE OR REPLACE FUNCTION pg_temp.gthd_bool(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE lower(pg_temp.nz(v))
        WHEN 't' THEN true WHEN 'true' THEN true WHEN '1' THEN true WHEN 'o' THEN true
        WHEN 'f' THEN false WHEN 'false' THEN false WHEN '0' THEN false WHEN 'n' THEN false
    END
$$;

-- Life-cycle status from the GraceTHD progress code (*_avct, l_avancement);
-- when it is empty, from the project phase (*_statut, l_statut): studies
-- are projected, works under construction, as-built and maintenance
-- functional. Without either, the row is taken as functional.
CREATE OR REPLACE FUNCTION pg_temp.gthd_lifecycle(avct text, phase text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE pg_temp.nz(avct) WHEN 'S' THEN 'functional' END,
        pg_temp.gthd('lifecycle_status', avct),
        CASE pg_temp.nz(phase)
            WHEN 'PRE' THEN 'projected' WHEN 'DIA' THEN 'projected' WHEN 'AVP' THEN 'projected'
            WHEN 'PRO' THEN 'projected' WHEN 'ACT' THEN 'projected' WHEN 'EXE' THEN 'projected'
            WHEN 'TVX' THEN 'under_construction'
            WHEN 'REC' THEN 'functional' WHEN 'MCO' THEN 'functional'
        END,
        'functional')
$$;

-- Network category from l_infra_nature (HTZ, radio links, is telecom).
CREATE OR REPLACE FUNCTION pg_temp.gthd_category(nature text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE pg_temp.nz(nature) WHEN 'HTZ' THEN 'COM' END,
        pg_temp.gthd('network_category', nature))
$$;

-- Precision class: AP (class A in plan only) is class A in XY.
CREATE OR REPLACE FUNCTION pg_temp.gthd_precision(class text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE pg_temp.nz(class) WHEN 'AP' THEN 'A' ELSE pg_temp.gthd('precision_class', class) END
$$;

-- Organisation id of a GraceTHD or_code in this delivery.
CREATE OR REPLACE FUNCTION pg_temp.gthd_org(or_code text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT o.id FROM netdata.organisation o
    WHERE o.source = current_setting('fourreau.load_source') AND o.code = pg_temp.nz(or_code)
$$;

CREATE OR REPLACE FUNCTION pg_temp.gthd_timestamp(v text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_temp.nz(v) ~ '^\d{4}-\d{2}-\d{2}' THEN pg_temp.nz(v)::timestamptz END
$$;

CREATE OR REPLACE FUNCTION pg_temp.gthd_date(v text) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_temp.nz(v) ~ '^\d{4}-\d{2}-\d{2}' THEN left(pg_temp.nz(v), 10)::date END
$$;

CREATE OR REPLACE FUNCTION pg_temp.gthd_number(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN pg_temp.nz(v) ~ '^-?\d+([.,]\d+)?$' THEN replace(pg_temp.nz(v), ',', '.')::numeric END
$$;

-- One LineString from lines that may not touch: ST_LineMerge when it gives
-- a single line, else the parts chained in the given order, each one turned
-- to start at the end nearer the previous part. The gaps between parts
-- become straight segments.
CREATE OR REPLACE FUNCTION pg_temp.single_line(parts geometry[]) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    merged geometry;
    result geometry;
    part   geometry;
    i      integer;
BEGIN
    merged := ST_LineMerge(ST_Collect(parts));
    IF GeometryType(merged) = 'LINESTRING' THEN
        RETURN merged;
    END IF;
    result := parts[1];
    FOR i IN 2 .. coalesce(array_length(parts, 1), 1) LOOP
        part := parts[i];
        IF i = 2 AND least(ST_Distance(ST_StartPoint(result), ST_StartPoint(part)),
                           ST_Distance(ST_StartPoint(result), ST_EndPoint(part)))
                   < least(ST_Distance(ST_EndPoint(result), ST_StartPoint(part)),
                           ST_Distance(ST_EndPoint(result), ST_EndPoint(part))) THEN
            result := ST_Reverse(result);
        END IF;
        IF ST_Distance(ST_EndPoint(result), ST_EndPoint(part))
           < ST_Distance(ST_EndPoint(result), ST_StartPoint(part)) THEN
            part := ST_Reverse(part);
        END IF;
        result := ST_MakeLine(result, part);
    END LOOP;
    RETURN ST_RemoveRepeatedPoints(result);
END;
$$;

-- The delivery itself, as the provenance of every row it brings.
INSERT INTO netdata.asbuilt_submission (format, software, source_srs, validation_status, report, source)
VALUES ('gracethd_shpcsv', 'GraceTHD-MCD v2.0.1', 'EPSG:2154', 'pending',
        jsonb_build_object('delivery', current_setting('fourreau.load_source')),
        current_setting('fourreau.load_source'));

CREATE OR REPLACE FUNCTION pg_temp.gthd_submission() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT id FROM netdata.asbuilt_submission WHERE source = current_setting('fourreau.load_source')
$$;

-- t_organisme → organisation. GraceTHD has no actor type (or_type is the
-- legal form): an ARCEP L33-1 declaration makes a telecom operator, and
-- the name decides the other common cases.
INSERT INTO netdata.organisation
    (code, name, org_type, siren, siret, arcep_l33_1, address, postal_code, city, email, phone,
     source, created_at)
SELECT
    pg_temp.nz(o.or_code),
    pg_temp.nz(o.or_nom),
    CASE
        WHEN pg_temp.nz(o.or_l331) IS NOT NULL THEN 'telecom_operator'
        WHEN o.or_nom ~* '^(commune|mairie|ville|communaut|m[ée]tropole|d[ée]partement|conseil|r[ée]gion)' THEN 'local_authority'
        WHEN o.or_nom ~* '^(smo|syndicat)' THEN 'sdtan_holder'
        WHEN o.or_nom ~* '(erdf|enedis|grdf|^rte|^edf)' THEN 'network_operator'
        WHEN o.or_nom ~* '(orange|sfr|free|bouygues)' THEN 'telecom_operator'
        ELSE 'other'
    END,
    CASE WHEN pg_temp.nz(o.or_siren) ~ '^[0-9]{9}$' THEN pg_temp.nz(o.or_siren) END,
    CASE WHEN pg_temp.nz(o.or_siret) ~ '^[0-9]{14}$' THEN pg_temp.nz(o.or_siret) END,
    pg_temp.nz(o.or_l331),
    pg_temp.nz(concat_ws(' ', pg_temp.nz(o.or_numero), pg_temp.nz(o.or_rep), pg_temp.nz(o.or_nomvoie))),
    pg_temp.nz(o.or_postal),
    pg_temp.nz(o.or_commune),
    pg_temp.nz(o.or_mail),
    pg_temp.nz(o.or_telfixe),
    current_setting('fourreau.load_source'),
    coalesce(pg_temp.gthd_timestamp(o.or_creadat), now())
FROM dataload_staging.gracethd_organisme o
WHERE pg_temp.nz(o.or_code) IS NOT NULL
ORDER BY o.ogc_fid;

-- t_noeud (+ t_ptech when the node is a technical point) → technical_point.
-- Every node becomes a point so that routes keep their end points; the
-- node type gives the kind when there is no t_ptech row.
INSERT INTO netdata.technical_point
    (code, external_code, network_category, owner_org_id, manager_org_id, user_org_id,
     lifecycle_status, project_phase, condition, precision_xy, geoloc_mode, geoloc_quality_m,
     built_on, in_service_on, comment, submission_id, created_at, abandoned_on, abandon_reason,
     label, point_kind, logical_use, model, occupancy_class, ownership_type,
     domain_owner_org_id, domain_manager_org_id, secured_access, detection_box,
     pole_height_m, pole_load_dan, rotation_deg, source, geom)
SELECT
    pg_temp.nz(n.nd_code),
    coalesce(pg_temp.nz(p.pt_codeext), pg_temp.nz(n.nd_codeext)),
    CASE pg_temp.nz(n.nd_type_ep)
        WHEN 'OPT' THEN 'COM' WHEN 'CUT' THEN 'COM' WHEN 'COA' THEN 'COM'
        WHEN 'VID' THEN 'COM' WHEN 'RAD' THEN 'COM'
        WHEN 'ECL' THEN 'ELECECL' WHEN 'ELE' THEN 'ELEC'
    END,
    pg_temp.gthd_org(p.pt_prop),
    pg_temp.gthd_org(p.pt_gest),
    pg_temp.gthd_org(p.pt_user),
    pg_temp.gthd_lifecycle(p.pt_avct, p.pt_statut),
    pg_temp.gthd('project_phase', p.pt_statut),
    pg_temp.gthd('condition', p.pt_etat),
    coalesce(pg_temp.gthd_precision(n.nd_dtclass), 'C'),
    pg_temp.gthd('geoloc_mode', n.nd_geolmod),
    n.nd_geolqlt,
    pg_temp.gthd_date(p.pt_dateins),
    pg_temp.gthd_date(p.pt_datemes),
    coalesce(pg_temp.nz(p.pt_comment), pg_temp.nz(n.nd_comment)),
    pg_temp.gthd_submission(),
    coalesce(pg_temp.gthd_timestamp(p.pt_creadat), pg_temp.gthd_timestamp(n.nd_creadat), now()),
    coalesce(pg_temp.gthd_date(p.pt_abddate), n.nd_abddate),
    coalesce(pg_temp.nz(p.pt_abdsrc), pg_temp.nz(n.nd_abdsrc)),
    coalesce(pg_temp.nz(p.pt_etiquet), pg_temp.nz(n.nd_nom)),
    CASE
        WHEN p.pt_code IS NOT NULL THEN coalesce(pg_temp.gthd('point_kind', p.pt_typephy), 'other')
        ELSE CASE pg_temp.nz(n.nd_type)
            WHEN 'ST' THEN 'technical_building' WHEN 'SC' THEN 'technical_building'
            WHEN 'SF' THEN 'building_entry' WHEN 'SH' THEN 'building_entry'
            WHEN 'JX' THEN 'junction' WHEN 'PC' THEN 'chamber'
            ELSE 'other'
        END
    END,
    pg_temp.gthd('logical_use', p.pt_typelog),
    pg_temp.nz(p.pt_nature),
    pg_temp.gthd('occupancy_class', p.pt_occp),
    pg_temp.gthd('ownership_type', p.pt_proptyp),
    pg_temp.gthd_org(p.pt_prop_do),
    pg_temp.gthd_org(p.pt_gest_do),
    pg_temp.gthd_bool(p.pt_secu),
    pg_temp.gthd_bool(p.pt_detec),
    pg_temp.gthd_number(p.pt_a_haut),
    pg_temp.gthd_number(p.pt_a_dan),
    CASE WHEN pg_temp.gthd_number(p.pt_rotatio) >= 0 AND pg_temp.gthd_number(p.pt_rotatio) < 360
         THEN pg_temp.gthd_number(p.pt_rotatio) END,
    current_setting('fourreau.load_source'),
    n.geom
FROM dataload_staging.gracethd_noeud n
LEFT JOIN LATERAL (
    SELECT * FROM dataload_staging.gracethd_ptech p
    WHERE pg_temp.nz(p.pt_nd_code) = pg_temp.nz(n.nd_code)
    ORDER BY p.ogc_fid LIMIT 1
) p ON true
WHERE n.geom IS NOT NULL
ORDER BY n.ogc_fid;

-- t_cheminement → route. Route kind from the implantation type (aerial
-- energy and aerial telecom are both aerial; without a type, 'specific').
INSERT INTO netdata.route
    (code, external_code, network_category, lifecycle_status, project_phase, condition,
     precision_xy, geoloc_mode, geoloc_quality_m, built_on, in_service_on, comment,
     submission_id, created_at, abandoned_on, abandon_reason,
     start_point_id, end_point_id, route_kind, laying_method, passage, road_name,
     domain_owner_org_id, domain_manager_org_id, composition, cover_depth_m, trench_width_m,
     surface, backfill, detection_wire, shared_works_org_id, free_duct_count, source, geom)
SELECT
    pg_temp.nz(c.cm_code),
    pg_temp.nz(c.cm_codeext),
    pg_temp.gthd_category(c.cm_nature),
    pg_temp.gthd_lifecycle(c.cm_avct, c.cm_statut),
    pg_temp.gthd('project_phase', c.cm_statut),
    pg_temp.gthd('condition', c.cm_etat),
    coalesce(pg_temp.gthd_precision(c.cm_dtclass), 'C'),
    pg_temp.gthd('geoloc_mode', c.cm_geolmod),
    c.cm_geolqlt,
    c.cm_datcons,
    c.cm_datemes,
    pg_temp.nz(c.cm_comment),
    pg_temp.gthd_submission(),
    coalesce(pg_temp.gthd_timestamp(c.cm_creadat), now()),
    c.cm_abddate,
    pg_temp.nz(c.cm_abdsrc),
    (SELECT t.id FROM netdata.technical_point t
     WHERE t.source = current_setting('fourreau.load_source') AND t.code = pg_temp.nz(c.cm_ndcode1)),
    (SELECT t.id FROM netdata.technical_point t
     WHERE t.source = current_setting('fourreau.load_source') AND t.code = pg_temp.nz(c.cm_ndcode2)),
    coalesce(CASE pg_temp.nz(c.cm_typ_imp) WHEN '1' THEN 'aerial' END,
             pg_temp.gthd('route_kind', c.cm_typ_imp), 'specific'),
    pg_temp.gthd('laying_method', c.cm_mod_pos),
    pg_temp.gthd('passage_type', c.cm_passage),
    pg_temp.nz(c.cm_voie),
    pg_temp.gthd_org(c.cm_prop_do),
    pg_temp.gthd_org(c.cm_gest_do),
    pg_temp.nz(c.cm_compo),
    c.cm_charge,
    c.cm_larg,
    pg_temp.nz(c.cm_revet),
    pg_temp.nz(c.cm_remblai),
    pg_temp.gthd_bool(c.cm_fildtec),
    pg_temp.gthd_org(c.cm_mut_org),
    CASE WHEN c.cm_cddispo >= 0 THEN c.cm_cddispo END,
    current_setting('fourreau.load_source'),
    pg_temp.single_line(ARRAY(SELECT d.geom FROM ST_Dump(c.geom) d ORDER BY d.path))
FROM dataload_staging.gracethd_cheminement c
WHERE c.geom IS NOT NULL
ORDER BY c.ogc_fid;

-- t_conduite + t_cond_chem → duct. A duct has no geometry in GraceTHD: it
-- gets the merged lines of its routes, in t_cond_chem order. Ducts listed
-- in no route have no geometry and are not imported.
CREATE TEMP TABLE gthd_duct_route ON COMMIT DROP AS
SELECT l.cd_code,
       r.id AS route_id,
       r.geom,
       r.precision_xy,
       r.network_category,
       row_number() OVER (PARTITION BY l.cd_code ORDER BY l.first_fid) AS seq
FROM (
    -- A route listed twice for one duct counts once, at its first place.
    SELECT pg_temp.nz(dm_cd_code) AS cd_code, pg_temp.nz(dm_cm_code) AS cm_code, min(ogc_fid) AS first_fid
    FROM dataload_staging.gracethd_cond_chem
    GROUP BY 1, 2
) l
JOIN netdata.route r
  ON r.source = current_setting('fourreau.load_source') AND r.code = l.cm_code;

INSERT INTO netdata.duct
    (code, external_code, network_category, owner_org_id, manager_org_id, user_org_id,
     lifecycle_status, project_phase, condition, precision_xy, in_service_on, comment,
     submission_id, created_at, abandoned_on, abandon_reason, route_id, ownership_type,
     duct_type, inner_diameter_mm, outer_diameter_mm, colour, cable_count, occupancy_pct,
     last_rodding_on, last_mandrel_on, source, geom)
SELECT
    pg_temp.nz(d.cd_code),
    pg_temp.nz(d.cd_codeext),
    -- The category of its routes, MULT when they differ.
    CASE WHEN count(DISTINCT dr.network_category) = 1 THEN min(dr.network_category)
         WHEN count(DISTINCT dr.network_category) > 1 THEN 'MULT' END,
    pg_temp.gthd_org(d.cd_prop),
    pg_temp.gthd_org(d.cd_gest),
    pg_temp.gthd_org(d.cd_user),
    pg_temp.gthd_lifecycle(d.cd_avct, d.cd_statut),
    pg_temp.gthd('project_phase', d.cd_statut),
    pg_temp.gthd('condition', d.cd_etat),
    -- A duct is located no better than the worst of its routes (A < B < C).
    max(dr.precision_xy),
    pg_temp.gthd_date(d.cd_datemes),
    pg_temp.nz(d.cd_comment),
    pg_temp.gthd_submission(),
    coalesce(pg_temp.gthd_timestamp(d.cd_creadat), now()),
    pg_temp.gthd_date(d.cd_abddate),
    pg_temp.nz(d.cd_abdsrc),
    CASE WHEN count(*) = 1 THEN min(dr.route_id) END,
    pg_temp.gthd('ownership_type', d.cd_proptyp),
    coalesce(pg_temp.gthd('material', d.cd_type), 'unknown'),
    pg_temp.gthd_number(d.cd_dia_int)::integer,
    pg_temp.gthd_number(d.cd_dia_ext)::integer,
    pg_temp.nz(d.cd_color),
    pg_temp.gthd_number(d.cd_nbcable)::integer,
    CASE WHEN pg_temp.gthd_number(d.cd_occup) BETWEEN 0 AND 100 THEN pg_temp.gthd_number(d.cd_occup)::smallint END,
    pg_temp.gthd_date(d.cd_dateaig),
    pg_temp.gthd_date(d.cd_dateman),
    current_setting('fourreau.load_source'),
    pg_temp.single_line(array_agg(dr.geom ORDER BY dr.seq))
FROM dataload_staging.gracethd_conduite d
JOIN gthd_duct_route dr ON dr.cd_code = pg_temp.nz(d.cd_code)
GROUP BY d.ogc_fid, d.cd_code, d.cd_codeext, d.cd_prop, d.cd_gest, d.cd_user, d.cd_avct,
         d.cd_statut, d.cd_etat, d.cd_datemes, d.cd_comment, d.cd_creadat, d.cd_abddate,
         d.cd_abdsrc, d.cd_proptyp, d.cd_type, d.cd_dia_int, d.cd_dia_ext, d.cd_color,
         d.cd_nbcable, d.cd_occup, d.cd_dateaig, d.cd_dateman
ORDER BY d.ogc_fid;

-- Sub-ducts: cd_cd_code names the duct that carries this one.
UPDATE netdata.duct child
SET parent_duct_id = parent.id
FROM dataload_staging.gracethd_conduite d
JOIN netdata.duct parent
  ON parent.source = current_setting('fourreau.load_source') AND parent.code = pg_temp.nz(d.cd_cd_code)
WHERE child.source = current_setting('fourreau.load_source')
  AND child.code = pg_temp.nz(d.cd_code)
  AND parent.id <> child.id;

INSERT INTO netdata.duct_route (duct_id, route_id, seq)
SELECT d.id, dr.route_id, dr.seq
FROM gthd_duct_route dr
JOIN netdata.duct d ON d.source = current_setting('fourreau.load_source') AND d.code = dr.cd_code
ORDER BY d.id, dr.seq;
