-- Stored queries created with the WFS 2.0 CreateStoredQuery operation, kept
-- so that they survive a restart and are shared by every server instance.
-- definition is the wfs:StoredQueryDefinition element as XML text, with the
-- namespace declarations it needs.
CREATE TABLE public.wfs_stored_query (
    id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 1024),
    definition text NOT NULL CHECK (length(definition) <= 262144),
    created_at timestamptz NOT NULL DEFAULT now()
);
