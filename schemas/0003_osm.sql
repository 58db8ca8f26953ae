-- OpenStreetMap layers (schema osm), in EPSG:4326 as OSM stores them.
-- Data: ODbL 1.0, © OpenStreetMap contributors. `source` names the extract
-- ('osm:<file name without .osm.pbf>'); `tags` keeps every OSM tag that the
-- GDAL OSM driver returned in other_tags.

CREATE SCHEMA IF NOT EXISTS osm;

-- Ways tagged power=line.
CREATE TABLE osm.power_line (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    osm_id     bigint NOT NULL,
    name       text,
    -- OSM voltage tag in volts, possibly several values separated by ';'.
    voltage    text,
    -- Highest value of the voltage tag, in volts.
    voltage_max_v integer,
    operator   text,
    cables     text,
    circuits   text,
    wires      text,
    frequency  text,
    ref        text,
    tags       jsonb NOT NULL DEFAULT '{}',
    source     text NOT NULL,
    geom       geometry(LineString, 4326) NOT NULL,
    UNIQUE (source, osm_id)
);

CREATE INDEX power_line_geom_gist ON osm.power_line USING gist (geom);

-- Nodes tagged power=tower.
CREATE TABLE osm.power_tower (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    osm_id     bigint NOT NULL,
    ref        text,
    name       text,
    operator   text,
    design     text,
    structure  text,
    material   text,
    -- OSM height tag as written, usually metres.
    height     text,
    tags       jsonb NOT NULL DEFAULT '{}',
    source     text NOT NULL,
    geom       geometry(Point, 4326) NOT NULL,
    UNIQUE (source, osm_id)
);

CREATE INDEX power_tower_geom_gist ON osm.power_tower USING gist (geom);
