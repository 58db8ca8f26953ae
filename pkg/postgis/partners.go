package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PartnerStore keeps partner accounts and their API keys in the auth schema. It
// implements auth.Store for the server and the management of `fourreau partner`.
type PartnerStore struct {
	pool *pgxpool.Pool
}

// NewPartnerStore returns the partner store over pool.
func NewPartnerStore(pool *pgxpool.Pool) *PartnerStore { return &PartnerStore{pool: pool} }

const partnerColumns = `p.id, p.login, p.role, p.organisation_id, o.code, o.name, p.write_layers, p.created_at, p.disabled_at`

func scanPartner(row pgx.Row, extra ...any) (auth.Partner, error) {
	var p auth.Partner
	var role string
	dest := append([]any{&p.ID, &p.Login, &role, &p.OrgID, &p.OrgCode, &p.OrgName, &p.WriteLayers, &p.CreatedAt, &p.DisabledAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return p, err
	}
	p.Role = auth.Role(role)
	return p, nil
}

// KeyByID implements auth.Store.
func (s *PartnerStore) KeyByID(ctx context.Context, keyID string) (*auth.StoredKey, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+partnerColumns+`, k.secret_hash, k.revoked_at IS NOT NULL
		  FROM auth.api_key k
		  JOIN auth.partner p ON p.id = k.partner_id
		  JOIN netdata.organisation o ON o.id = p.organisation_id
		 WHERE k.key_id = $1`, keyID)
	k := &auth.StoredKey{KeyID: keyID}
	p, err := scanPartner(row, &k.SecretHash, &k.Revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: read key %s: %w", keyID, err)
	}
	k.Partner = p
	return k, nil
}

// MarkKeyUsed implements auth.Store.
func (s *PartnerStore) MarkKeyUsed(ctx context.Context, keyID string) error {
	_, err := s.pool.Exec(ctx, `UPDATE auth.api_key SET last_used_at = now() WHERE key_id = $1`, keyID)
	if err != nil {
		return fmt.Errorf("postgis: record use of key %s: %w", keyID, err)
	}
	return nil
}

// NewPartner describes a partner account to create.
type NewPartner struct {
	Login string
	Role  auth.Role
	// WriteLayers are the layer names the partner may write, or auth.AllLayers.
	WriteLayers []string
	// The organisation is found by OrgID when set, else by OrgCode. When no organisation
	// has the code and OrgName is set, one is created with source 'wfs-t'.
	OrgID   int64
	OrgCode string
	OrgName string
	OrgType string
	// WriteArea, when set, replaces the organisation's write area: WKT of a polygon or
	// multipolygon in EPSG:2154.
	WriteArea string
}

// AddPartner creates a partner account and its first API key, which it returns: the key
// is not stored and cannot be shown again.
func (s *PartnerStore) AddPartner(ctx context.Context, np NewPartner) (auth.Partner, string, error) {
	var partner auth.Partner
	var key string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		orgID, err := findOrganisation(ctx, tx, np)
		if err != nil {
			return err
		}
		if np.WriteArea != "" {
			if err := setWriteArea(ctx, tx, orgID, np.WriteArea); err != nil {
				return err
			}
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO auth.partner (login, organisation_id, role, write_layers)
			VALUES ($1, $2, $3, $4) RETURNING id`, np.Login, orgID, string(np.Role), np.WriteLayers).Scan(&id)
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("a partner with login %q already exists; choose another --login", np.Login)
			}
			return fmt.Errorf("postgis: create partner %s: %w", np.Login, err)
		}
		key, err = insertKey(ctx, tx, id)
		if err != nil {
			return err
		}
		partner, err = partnerByLogin(ctx, tx, np.Login)
		return err
	})
	return partner, key, err
}

func findOrganisation(ctx context.Context, tx pgx.Tx, np NewPartner) (int64, error) {
	if np.OrgID != 0 {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM netdata.organisation WHERE id = $1`, np.OrgID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("organisation id %d not found", np.OrgID)
		}
		return id, err
	}
	if np.OrgCode == "" {
		return 0, errors.New("no organisation given: set --org CODE or --org-id ID")
	}
	rows, err := tx.Query(ctx, `SELECT id, source FROM netdata.organisation WHERE code = $1 ORDER BY id`, np.OrgCode)
	if err != nil {
		return 0, fmt.Errorf("postgis: find organisation %s: %w", np.OrgCode, err)
	}
	type match struct {
		id     int64
		source string
	}
	matches, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (match, error) {
		var m match
		err := r.Scan(&m.id, &m.source)
		return m, err
	})
	if err != nil {
		return 0, fmt.Errorf("postgis: find organisation %s: %w", np.OrgCode, err)
	}
	switch {
	case len(matches) == 1:
		return matches[0].id, nil
	case len(matches) > 1:
		var list []string
		for _, m := range matches {
			list = append(list, fmt.Sprintf("%d (source %s)", m.id, m.source))
		}
		return 0, fmt.Errorf("several organisations have code %s: %s; choose one with --org-id", np.OrgCode, strings.Join(list, ", "))
	case np.OrgName == "":
		return 0, fmt.Errorf("organisation %s not found; give --org-name (and --org-type) to create it", np.OrgCode)
	}
	orgType := np.OrgType
	if orgType == "" {
		orgType = "other"
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO netdata.organisation (code, name, org_type, source)
		VALUES ($1, $2, $3, 'wfs-t') RETURNING id`, np.OrgCode, np.OrgName, orgType).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgis: create organisation %s (org type %q must be a code of netdata.org_type): %w", np.OrgCode, orgType, err)
	}
	return id, nil
}

func setWriteArea(ctx context.Context, tx pgx.Tx, orgID int64, wkt string) error {
	tag, err := tx.Exec(ctx, `UPDATE netdata.organisation
		   SET wfs_write_scope = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromText($2, 2154)), 3))
		 WHERE id = $1`, orgID, wkt)
	if err != nil {
		return fmt.Errorf("write area %q is not a valid polygon WKT in EPSG:2154: %w", wkt, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("organisation id %d not found", orgID)
	}
	return nil
}

func insertKey(ctx context.Context, tx pgx.Tx, partnerID int64) (string, error) {
	key, keyID, hash, err := auth.NewKey()
	if err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `INSERT INTO auth.api_key (key_id, partner_id, secret_hash) VALUES ($1, $2, $3)`, keyID, partnerID, hash)
	if err != nil {
		return "", fmt.Errorf("postgis: store key: %w", err)
	}
	return key, nil
}

func partnerByLogin(ctx context.Context, q querier, login string) (auth.Partner, error) {
	row := q.QueryRow(ctx, `SELECT `+partnerColumns+`,
		       (SELECT count(*) FROM auth.api_key k WHERE k.partner_id = p.id AND k.revoked_at IS NULL)
		  FROM auth.partner p JOIN netdata.organisation o ON o.id = p.organisation_id
		 WHERE p.login = $1`, login)
	var active int64
	p, err := scanPartner(row, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("partner %q not found (see `fourreau partner list`): %w", login, auth.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("postgis: read partner %s: %w", login, err)
	}
	p.ActiveKeys = int(active)
	return p, nil
}

// ListPartners returns every partner account, by login.
func (s *PartnerStore) ListPartners(ctx context.Context) ([]auth.Partner, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+partnerColumns+`,
		       (SELECT count(*) FROM auth.api_key k WHERE k.partner_id = p.id AND k.revoked_at IS NULL)
		  FROM auth.partner p JOIN netdata.organisation o ON o.id = p.organisation_id
		 ORDER BY p.login`)
	if err != nil {
		return nil, fmt.Errorf("postgis: list partners: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Partner, error) {
		var active int64
		p, err := scanPartner(r, &active)
		p.ActiveKeys = int(active)
		return p, err
	})
}

// RotateKey creates a new API key for the partner and returns it. The partner's other
// keys are revoked at once, unless keepOld is set, which lets a client switch over.
func (s *PartnerStore) RotateKey(ctx context.Context, login string, keepOld bool) (string, error) {
	var key string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		p, err := partnerByLogin(ctx, tx, login)
		if err != nil {
			return err
		}
		if !keepOld {
			if _, err := tx.Exec(ctx, `UPDATE auth.api_key SET revoked_at = now()
				WHERE partner_id = $1 AND revoked_at IS NULL`, p.ID); err != nil {
				return fmt.Errorf("postgis: revoke keys of %s: %w", login, err)
			}
		}
		key, err = insertKey(ctx, tx, p.ID)
		return err
	})
	return key, err
}

// SetPartnerDisabled disables the partner account, or enables it again. A disabled
// partner's keys stop authenticating at the next request.
func (s *PartnerStore) SetPartnerDisabled(ctx context.Context, login string, disabled bool) error {
	var at *time.Time
	if disabled {
		now := time.Now()
		at = &now
	}
	tag, err := s.pool.Exec(ctx, `UPDATE auth.partner SET disabled_at = $2 WHERE login = $1`, login, at)
	if err != nil {
		return fmt.Errorf("postgis: update partner %s: %w", login, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("partner %q not found (see `fourreau partner list`): %w", login, auth.ErrNotFound)
	}
	return nil
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	return sqlState(err) == "23505"
}
