-- WFS feature locks (LockFeature, GetFeatureWithLock), held in the database so
-- that every server instance reads the same locks. A lock past expires_at no
-- longer holds, and the next lock request deletes its rows.

CREATE SCHEMA IF NOT EXISTS wfs;

CREATE TABLE wfs.lock (
    -- Random 128-bit token, hexadecimal: the client that presents it holds the lock.
    lock_id    text PRIMARY KEY CHECK (lock_id ~ '^[0-9a-f]{32}$'),
    partner_id bigint REFERENCES auth.partner (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX lock_expires_idx ON wfs.lock (expires_at);

-- One row per locked feature: a feature belongs to at most one lock.
CREATE TABLE wfs.locked_feature (
    -- schema.table of the feature, as the write triggers name it.
    table_name text NOT NULL,
    feature_id bigint NOT NULL,
    lock_id    text NOT NULL REFERENCES wfs.lock (lock_id) ON DELETE CASCADE,
    PRIMARY KEY (table_name, feature_id)
);

CREATE INDEX locked_feature_lock_idx ON wfs.locked_feature (lock_id);
