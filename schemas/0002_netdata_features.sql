-- Feature tables of the network data model (schema netdata).
--
-- Every table has an integer identity key `id`, so that a feature keeps one
-- identifier across WFS (duct.42), OGC API and vector tiles, and a `guid`
-- uuid for partners' identifiers (StaR-Elec GUID, gml:id of deliveries).
-- `source` records where a row came from: 'demo', 'gracethd:<delivery>',
-- 'wfs-t' (the default, for rows written through the server) and so on.
-- Loaders use it to replace or skip their own rows.
--
-- Geometries are 2D in EPSG:2154 (Lambert-93). geom_3d keeps an optional 3D
-- as-built line.

-- Sets updated_at on every update.
CREATE FUNCTION netdata.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Organisation (organisme, partenaire). GraceTHD t_organisme.
CREATE TABLE netdata.organisation (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid            uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code            text NOT NULL,
    name            text NOT NULL,
    org_type        text NOT NULL REFERENCES netdata.org_type (code),
    siren           text CHECK (siren ~ '^[0-9]{9}$'),
    siret           text CHECK (siret ~ '^[0-9]{14}$'),
    arcep_l33_1     text,
    address         text,
    postal_code     text,
    city            text,
    insee_code      text CHECK (insee_code ~ '^[0-9][0-9AB][0-9]{3}$'),
    email           text,
    phone           text,
    wfs_write_scope geometry(MultiPolygon, 2154),
    source          text NOT NULL DEFAULT 'wfs-t',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Codes are unique per source: two deliveries may both use the
    -- GraceTHD code OR900000000000 for different partners.
    UNIQUE (source, code)
);

CREATE INDEX organisation_wfs_write_scope_gist ON netdata.organisation USING gist (wfs_write_scope);
CREATE TRIGGER organisation_touch BEFORE UPDATE ON netdata.organisation
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Network as a whole (réseau, StaR-DT ReseauUtilite). No geometry.
CREATE TABLE netdata.network (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid               uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code               text NOT NULL,
    name               text NOT NULL,
    category           text NOT NULL REFERENCES netdata.network_category (code),
    legal_mention      text,
    operator_org_id    bigint NOT NULL REFERENCES netdata.organisation (id),
    owner_org_id       bigint REFERENCES netdata.organisation (id),
    delivery_type      text REFERENCES netdata.delivery_type (code),
    dtdict_sensitivity text NOT NULL REFERENCES netdata.dtdict_sensitivity (code),
    standard_depth_m   numeric(5,2),
    source             text NOT NULL DEFAULT 'wfs-t',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, code)
);

CREATE INDEX network_category_idx ON netdata.network (category);
CREATE INDEX network_owner_org_idx ON netdata.network (owner_org_id);
CREATE INDEX network_operator_org_idx ON netdata.network (operator_org_id);
CREATE TRIGGER network_touch BEFORE UPDATE ON netdata.network
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Planned civil works (travaux programmés) published under article L49 of
-- the CPCE so that other parties can lay ducts in the same trench.
CREATE TABLE netdata.planned_works (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                    uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    reference               text NOT NULL UNIQUE,
    title                   text NOT NULL,
    project_owner_org_id    bigint NOT NULL REFERENCES netdata.organisation (id),
    contact_name            text NOT NULL,
    contact_email           text,
    contact_phone           text,
    prime_contractor_org_id bigint REFERENCES netdata.organisation (id),
    works_type              text NOT NULL REFERENCES netdata.works_type (code),
    network_category        text NOT NULL REFERENCES netdata.network_category (code),
    network_elements        text NOT NULL REFERENCES netdata.network_elements (code),
    planned_start           date NOT NULL,
    duration_days           integer CHECK (duration_days > 0),
    planned_end             date,
    status                  text NOT NULL DEFAULT 'draft' REFERENCES netdata.works_status (code),
    published_at            timestamptz,
    -- Set by trigger: published_at (Paris date) + 42 days, the six weeks
    -- of CPCE D.407-x for a motivated request.
    request_deadline        date,
    in_urban_unit           boolean NOT NULL,
    length_m                numeric(10,2) GENERATED ALWAYS AS (round(ST_Length(geom)::numeric, 2)) STORED,
    -- Set by trigger: length >= 150 m in an INSEE urban unit, >= 1000 m
    -- outside (CPCE D.407-4).
    l49_applicable          boolean,
    insee_codes             text[] NOT NULL DEFAULT '{}',
    trench_width_m          numeric(4,2),
    depth_m                 numeric(4,2),
    spare_capacity_offer    text,
    comment                 text,
    footprint               geometry(MultiPolygon, 2154),
    source                  text NOT NULL DEFAULT 'wfs-t',
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    geom                    geometry(MultiLineString, 2154) NOT NULL CHECK (ST_IsValid(geom)),
    CHECK (contact_email IS NOT NULL OR contact_phone IS NOT NULL),
    CHECK (duration_days IS NOT NULL OR planned_end IS NOT NULL),
    CHECK (planned_end IS NULL OR planned_end >= planned_start),
    CHECK (status IN ('draft', 'cancelled') OR published_at IS NOT NULL)
);

CREATE INDEX planned_works_geom_gist ON netdata.planned_works USING gist (geom);
CREATE INDEX planned_works_footprint_gist ON netdata.planned_works USING gist (footprint);
CREATE INDEX planned_works_category_idx ON netdata.planned_works (network_category);
CREATE INDEX planned_works_owner_org_idx ON netdata.planned_works (project_owner_org_id);
CREATE INDEX planned_works_period_gist ON netdata.planned_works USING gist (
    daterange(planned_start, coalesce(planned_end, planned_start + coalesce(duration_days, 0)), '[]'));

-- Derives request_deadline and l49_applicable. ST_Length is computed here
-- because stored generated columns are not yet filled in a BEFORE trigger.
CREATE FUNCTION netdata.planned_works_derive() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_at IS NULL THEN
        NEW.request_deadline := NULL;
    ELSE
        NEW.request_deadline := (NEW.published_at AT TIME ZONE 'Europe/Paris')::date + 42;
    END IF;
    NEW.l49_applicable := ST_Length(NEW.geom) >= CASE WHEN NEW.in_urban_unit THEN 150 ELSE 1000 END;
    RETURN NEW;
END;
$$;

CREATE TRIGGER planned_works_derive BEFORE INSERT OR UPDATE ON netdata.planned_works
    FOR EACH ROW EXECUTE FUNCTION netdata.planned_works_derive();
CREATE TRIGGER planned_works_touch BEFORE UPDATE ON netdata.planned_works
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- As-built delivery (livraison de récolement): provenance of rows written by
-- WFS-T or imported from files.
CREATE TABLE netdata.asbuilt_submission (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                 uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    submitted_by_org_id  bigint REFERENCES netdata.organisation (id),
    project_owner_org_id bigint REFERENCES netdata.organisation (id),
    software             text,
    dataset_created_on   date,
    source_srs           text,
    format               text NOT NULL REFERENCES netdata.submission_format (code),
    planned_works_id     bigint REFERENCES netdata.planned_works (id),
    received_at          timestamptz NOT NULL DEFAULT now(),
    validation_status    text NOT NULL DEFAULT 'pending' REFERENCES netdata.validation_status (code),
    report               jsonb,
    source               text NOT NULL DEFAULT 'wfs-t'
);

-- Technical point (point technique: chambre, regard, appui, coffret).
-- GraceTHD t_noeud + t_ptech.
CREATE TABLE netdata.technical_point (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                  uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code                  text,
    external_code         text,
    network_category      text REFERENCES netdata.network_category (code),
    owner_org_id          bigint REFERENCES netdata.organisation (id),
    manager_org_id        bigint REFERENCES netdata.organisation (id),
    user_org_id           bigint REFERENCES netdata.organisation (id),
    lifecycle_status      text NOT NULL REFERENCES netdata.lifecycle_status (code),
    project_phase         text REFERENCES netdata.project_phase (code),
    condition             text REFERENCES netdata.condition (code),
    precision_xy          text NOT NULL DEFAULT 'C' REFERENCES netdata.precision_class (code),
    precision_z           text REFERENCES netdata.precision_class (code),
    geoloc_mode           text REFERENCES netdata.geoloc_mode (code),
    geoloc_quality_m      numeric(6,2),
    built_on              date,
    in_service_on         date,
    valid_from            date,
    valid_to              date,
    comment               text,
    submission_id         bigint REFERENCES netdata.asbuilt_submission (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    abandoned_on          date,
    abandon_reason        text,
    label                 text,
    point_kind            text NOT NULL REFERENCES netdata.point_kind (code),
    logical_use           text REFERENCES netdata.logical_use (code),
    -- GraceTHD l_ptech_nature code (chamber model L2T, K1C..., pole PBOI...),
    -- kept as text because the list belongs to GraceTHD and grows.
    model                 text,
    visitable             boolean,
    lid_class             text,
    occupancy_class       text REFERENCES netdata.occupancy_class (code),
    ownership_type        text REFERENCES netdata.ownership_type (code),
    domain_owner_org_id   bigint REFERENCES netdata.organisation (id),
    domain_manager_org_id bigint REFERENCES netdata.organisation (id),
    secured_access        boolean,
    detection_box         boolean,
    pole_height_m         numeric(5,2),
    pole_load_dan         numeric(7,1),
    rotation_deg          numeric(5,2) CHECK (rotation_deg >= 0 AND rotation_deg < 360),
    footprint             geometry(Polygon, 2154),
    source                text NOT NULL DEFAULT 'wfs-t',
    geom                  geometry(Point, 2154) NOT NULL CHECK (ST_IsValid(geom)),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

CREATE INDEX technical_point_geom_gist ON netdata.technical_point USING gist (geom);
CREATE INDEX technical_point_footprint_gist ON netdata.technical_point USING gist (footprint);
CREATE INDEX technical_point_category_idx ON netdata.technical_point (network_category);
CREATE INDEX technical_point_status_idx ON netdata.technical_point (lifecycle_status);
CREATE INDEX technical_point_owner_org_idx ON netdata.technical_point (owner_org_id);
CREATE INDEX technical_point_source_code_idx ON netdata.technical_point (source, code);
CREATE TRIGGER technical_point_touch BEFORE UPDATE ON netdata.technical_point
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Route (cheminement, tranchée, artère): civil-engineering path between two
-- technical points, holding zero or more ducts. GraceTHD t_cheminement.
CREATE TABLE netdata.route (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                  uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code                  text,
    external_code         text,
    network_category      text REFERENCES netdata.network_category (code),
    owner_org_id          bigint REFERENCES netdata.organisation (id),
    manager_org_id        bigint REFERENCES netdata.organisation (id),
    lifecycle_status      text NOT NULL REFERENCES netdata.lifecycle_status (code),
    project_phase         text REFERENCES netdata.project_phase (code),
    condition             text REFERENCES netdata.condition (code),
    precision_xy          text NOT NULL DEFAULT 'C' REFERENCES netdata.precision_class (code),
    precision_z           text REFERENCES netdata.precision_class (code),
    geoloc_mode           text REFERENCES netdata.geoloc_mode (code),
    geoloc_quality_m      numeric(6,2),
    built_on              date,
    in_service_on         date,
    valid_from            date,
    valid_to              date,
    comment               text,
    submission_id         bigint REFERENCES netdata.asbuilt_submission (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    abandoned_on          date,
    abandon_reason        text,
    start_point_id        bigint REFERENCES netdata.technical_point (id),
    end_point_id          bigint REFERENCES netdata.technical_point (id),
    route_kind            text NOT NULL REFERENCES netdata.route_kind (code),
    laying_method         text REFERENCES netdata.laying_method (code),
    passage               text REFERENCES netdata.passage_type (code),
    road_name             text,
    domain_owner_org_id   bigint REFERENCES netdata.organisation (id),
    domain_manager_org_id bigint REFERENCES netdata.organisation (id),
    composition           text,
    cover_depth_m         numeric(5,2),
    trench_width_m        numeric(4,2),
    surface               text,
    backfill              text,
    detection_wire        boolean,
    shared_works_org_id   bigint REFERENCES netdata.organisation (id),
    planned_works_id      bigint REFERENCES netdata.planned_works (id),
    length_m              numeric(10,2) GENERATED ALWAYS AS (round(ST_Length(geom)::numeric, 2)) STORED,
    -- Number of available ducts as declared by the data producer
    -- (GraceTHD cm_cddispo); the demo loader computes it from duct.available.
    free_duct_count       integer CHECK (free_duct_count >= 0),
    source                text NOT NULL DEFAULT 'wfs-t',
    geom                  geometry(LineString, 2154) NOT NULL CHECK (ST_IsValid(geom)),
    geom_3d               geometry(LineStringZ, 2154),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

CREATE INDEX route_geom_gist ON netdata.route USING gist (geom);
CREATE INDEX route_geom_3d_gist ON netdata.route USING gist (geom_3d);
CREATE INDEX route_category_idx ON netdata.route (network_category);
CREATE INDEX route_status_idx ON netdata.route (lifecycle_status);
CREATE INDEX route_owner_org_idx ON netdata.route (owner_org_id);
CREATE INDEX route_source_code_idx ON netdata.route (source, code);
CREATE TRIGGER route_touch BEFORE UPDATE ON netdata.route
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Duct (fourreau, conduite, alvéole). It has its own geometry so that it is
-- a plain WFS/WMS layer; GraceTHD imports build it by merging the routes of
-- t_cond_chem, kept in duct_route.
CREATE TABLE netdata.duct (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                 uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code                 text,
    external_code        text,
    network_category     text REFERENCES netdata.network_category (code),
    owner_org_id         bigint REFERENCES netdata.organisation (id),
    manager_org_id       bigint REFERENCES netdata.organisation (id),
    lifecycle_status     text NOT NULL REFERENCES netdata.lifecycle_status (code),
    project_phase        text REFERENCES netdata.project_phase (code),
    condition            text REFERENCES netdata.condition (code),
    precision_xy         text NOT NULL DEFAULT 'C' REFERENCES netdata.precision_class (code),
    precision_z          text REFERENCES netdata.precision_class (code),
    geoloc_mode          text REFERENCES netdata.geoloc_mode (code),
    geoloc_quality_m     numeric(6,2),
    built_on             date,
    in_service_on        date,
    valid_from           date,
    valid_to             date,
    comment              text,
    submission_id        bigint REFERENCES netdata.asbuilt_submission (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    abandoned_on         date,
    abandon_reason       text,
    -- The route when the duct follows exactly one route (StaR-Elec: the
    -- Fourreau is the Cheminement). Multi-route ducts use duct_route.
    route_id             bigint REFERENCES netdata.route (id),
    parent_duct_id       bigint REFERENCES netdata.duct (id),
    user_org_id          bigint REFERENCES netdata.organisation (id),
    ownership_type       text REFERENCES netdata.ownership_type (code),
    duct_type            text NOT NULL REFERENCES netdata.material (code),
    inner_diameter_mm    integer CHECK (inner_diameter_mm > 0),
    -- Mandatory in a RecoStaR as-built delivery (DiametreDuFourreau), optional
    -- for projected ducts.
    outer_diameter_mm    integer CHECK (outer_diameter_mm > 0),
    colour               text,
    cable_count          integer CHECK (cable_count >= 0),
    occupancy_class      text REFERENCES netdata.occupancy_class (code),
    occupancy_pct        smallint CHECK (occupancy_pct BETWEEN 0 AND 100),
    last_rodding_on      date,
    last_mandrel_on      date,
    min_depth_m          numeric(5,2),
    non_regulatory_depth boolean,
    cut_type             text,
    cut_state            text REFERENCES netdata.cut_state (code),
    -- A duct is available when in service, not to be replaced, and empty or
    -- not empty but tidy (GraceTHD occupancy 0 or 1.1).
    available            boolean GENERATED ALWAYS AS (
                             lifecycle_status = 'functional'
                             AND coalesce(condition, 'NC') <> 'HS'
                             AND coalesce(occupancy_class IN ('0', '1.1'), false)) STORED,
    source               text NOT NULL DEFAULT 'wfs-t',
    geom                 geometry(LineString, 2154) NOT NULL CHECK (ST_IsValid(geom)),
    geom_3d              geometry(LineStringZ, 2154),
    CHECK (inner_diameter_mm IS NULL OR outer_diameter_mm IS NULL OR inner_diameter_mm < outer_diameter_mm),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

CREATE INDEX duct_geom_gist ON netdata.duct USING gist (geom);
CREATE INDEX duct_geom_3d_gist ON netdata.duct USING gist (geom_3d);
CREATE INDEX duct_category_idx ON netdata.duct (network_category);
CREATE INDEX duct_status_idx ON netdata.duct (lifecycle_status);
CREATE INDEX duct_owner_org_idx ON netdata.duct (owner_org_id);
CREATE INDEX duct_route_id_idx ON netdata.duct (route_id);
CREATE INDEX duct_source_code_idx ON netdata.duct (source, code);
CREATE TRIGGER duct_touch BEFORE UPDATE ON netdata.duct
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Routes followed by a duct, in order (GraceTHD t_cond_chem).
CREATE TABLE netdata.duct_route (
    duct_id  bigint NOT NULL REFERENCES netdata.duct (id) ON DELETE CASCADE,
    route_id bigint NOT NULL REFERENCES netdata.route (id) ON DELETE CASCADE,
    seq      integer NOT NULL CHECK (seq >= 1),
    PRIMARY KEY (duct_id, route_id),
    UNIQUE (duct_id, seq)
);

CREATE INDEX duct_route_route_idx ON netdata.duct_route (route_id);

-- Network link (tronçon d'ouvrage: câble, canalisation): the "networks by
-- category" layer, one row per homogeneous section.
CREATE TABLE netdata.network_link (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid                 uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    code                 text,
    external_code        text,
    network_category     text NOT NULL REFERENCES netdata.network_category (code),
    owner_org_id         bigint REFERENCES netdata.organisation (id),
    manager_org_id       bigint REFERENCES netdata.organisation (id),
    lifecycle_status     text NOT NULL REFERENCES netdata.lifecycle_status (code),
    project_phase        text REFERENCES netdata.project_phase (code),
    condition            text REFERENCES netdata.condition (code),
    precision_xy         text NOT NULL DEFAULT 'C' REFERENCES netdata.precision_class (code),
    precision_z          text REFERENCES netdata.precision_class (code),
    geoloc_mode          text REFERENCES netdata.geoloc_mode (code),
    geoloc_quality_m     numeric(6,2),
    built_on             date,
    in_service_on        date,
    valid_from           date,
    valid_to             date,
    comment              text,
    submission_id        bigint REFERENCES netdata.asbuilt_submission (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    abandoned_on         date,
    abandon_reason       text,
    network_id           bigint NOT NULL REFERENCES netdata.network (id),
    link_kind            text NOT NULL REFERENCES netdata.link_kind (code),
    vertical_position    text NOT NULL REFERENCES netdata.vertical_position (code),
    voltage_domain       text REFERENCES netdata.voltage_domain (code),
    function             text,
    telecom_technology   text REFERENCES netdata.telecom_technology (code),
    capacity             integer CHECK (capacity >= 0),
    material             text REFERENCES netdata.material (code),
    nominal_size_mm      numeric(7,1),
    sensitive            boolean NOT NULL,
    min_depth_m          numeric(5,2),
    non_regulatory_depth boolean,
    warning_type         text REFERENCES netdata.warning_type (code),
    source               text NOT NULL DEFAULT 'wfs-t',
    geom                 geometry(LineString, 2154) NOT NULL CHECK (ST_IsValid(geom)),
    geom_3d              geometry(LineStringZ, 2154),
    -- StaR-Elec makes DomaineTension mandatory for electric cables.
    CHECK (link_kind <> 'electric_cable' OR voltage_domain IS NOT NULL),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);

CREATE INDEX network_link_geom_gist ON netdata.network_link USING gist (geom);
CREATE INDEX network_link_geom_3d_gist ON netdata.network_link USING gist (geom_3d);
CREATE INDEX network_link_category_idx ON netdata.network_link (network_category);
CREATE INDEX network_link_status_idx ON netdata.network_link (lifecycle_status);
CREATE INDEX network_link_owner_org_idx ON netdata.network_link (owner_org_id);
CREATE INDEX network_link_network_idx ON netdata.network_link (network_id);
CREATE TRIGGER network_link_touch BEFORE UPDATE ON netdata.network_link
    FOR EACH ROW EXECUTE FUNCTION netdata.touch_updated_at();

-- Data sets loaded by `fourreau load`: one row per source with a fingerprint
-- of its input, so a second run skips an unchanged source and a changed
-- one is replaced.
CREATE TABLE netdata.data_load (
    source      text PRIMARY KEY,
    fingerprint text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    counts      jsonb NOT NULL DEFAULT '{}'
);
