-- Indexes on the foreign keys that deletes check.
--
-- Deleting a row makes PostgreSQL look for the rows that refer to it. Without an index
-- on the referring column, each deleted row costs a scan of the referring table: one
-- WFS Delete of 10,000 ducts took 22 s, scanning netdata.duct for parent_duct_id once
-- per duct. These indexes make that look-up an index probe.
CREATE INDEX IF NOT EXISTS duct_parent_duct_idx ON netdata.duct (parent_duct_id);
CREATE INDEX IF NOT EXISTS route_start_point_idx ON netdata.route (start_point_id);
CREATE INDEX IF NOT EXISTS route_end_point_idx ON netdata.route (end_point_id);
CREATE INDEX IF NOT EXISTS route_planned_works_idx ON netdata.route (planned_works_id);
