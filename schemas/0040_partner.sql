-- Partner accounts and their API keys. Schema auth is never published as a
-- layer. A partner acts for one organisation: the features it inserts are
-- owned by that organisation, and it may change only the features that
-- organisation owns.

CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.partner (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- User name of HTTP Basic; letters, digits, '.', '_' and '-'.
    login           text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    -- Plain RESTRICT: reloading a source whose organisation has a partner
    -- fails instead of leaving the partner without its organisation.
    organisation_id bigint NOT NULL REFERENCES netdata.organisation (id),
    role            text NOT NULL CHECK (role IN ('partner', 'admin')),
    -- Layers (WFS type names without prefix) the partner may insert into
    -- and change its own features of; '*' for every layer.
    write_layers    text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);

CREATE INDEX partner_organisation_idx ON auth.partner (organisation_id);

-- API keys. The key given to the partner is fk_<key_id>_<secret>; only the
-- argon2id hash of the secret is stored (PHC string format).
CREATE TABLE auth.api_key (
    key_id       text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{12}$'),
    partner_id   bigint NOT NULL REFERENCES auth.partner (id),
    secret_hash  text NOT NULL CHECK (secret_hash LIKE '$argon2id$%'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE INDEX api_key_partner_idx ON auth.api_key (partner_id);
