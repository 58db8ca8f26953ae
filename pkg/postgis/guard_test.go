package postgis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// guardFixture is a tracked copy of netdata.duct (authtest.duct_guard), so that the
// tests never change the published tables, with two organisations A and B, a partner
// and a few features of each.
type guardFixture struct {
	pool         *pgxpool.Pool
	guard        *postgis.WriteGuard
	layer        *feature.Layer
	orgA, orgB   int64
	partnerA     *auth.Principal
	partnerB     *auth.Principal
	admin        *auth.Principal
	ownA, ownB   int64 // one feature of each organisation
	outsideA     int64 // a feature of A outside A's write area
	codeSuffix   string
	cleanupTable string
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func newGuardFixture(t *testing.T) *guardFixture {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ctx := context.Background()
	f := &guardFixture{pool: pool, codeSuffix: randomSuffix(t)}
	// An advisory lock keeps parallel test packages from creating the table twice. It
	// belongs to a session, so one connection runs the whole sequence.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`SELECT pg_advisory_lock(7242917101)`,
		`CREATE SCHEMA IF NOT EXISTS authtest`,
		`CREATE TABLE IF NOT EXISTS authtest.duct_guard (LIKE netdata.duct INCLUDING ALL)`,
		`SELECT netdata.track_writes('authtest.duct_guard', 'id', 'owner_org_id', 'geom')`,
		`SELECT pg_advisory_unlock(7242917101)`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			conn.Release()
			t.Fatalf("%s: %v", sql, err)
		}
	}
	conn.Release()

	// A's write area is the square 450000..451000 x 6900000..6901000.
	err = pool.QueryRow(ctx, `INSERT INTO netdata.organisation (code, name, org_type, source, wfs_write_scope)
		VALUES ($1, 'Test A', 'contractor', 'authtest',
		        ST_Multi(ST_MakeEnvelope(450000, 6900000, 451000, 6901000, 2154))) RETURNING id`, "A-"+f.codeSuffix).Scan(&f.orgA)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `INSERT INTO netdata.organisation (code, name, org_type, source)
		VALUES ($1, 'Test B', 'contractor', 'authtest') RETURNING id`, "B-"+f.codeSuffix).Scan(&f.orgB)
	if err != nil {
		t.Fatal(err)
	}
	insert := func(owner int64, x float64) int64 {
		var id int64
		err := pool.QueryRow(ctx, `INSERT INTO authtest.duct_guard (owner_org_id, lifecycle_status, duct_type, geom)
			VALUES ($1, 'functional', 'PE', ST_MakeLine(ST_MakePoint($2, 6900500), ST_MakePoint($2 + 10, 6900500))::geometry(LineString, 2154))
			RETURNING id`, owner, x).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.ownA = insert(f.orgA, 450100)
	f.ownB = insert(f.orgB, 450200)
	f.outsideA = insert(f.orgA, 452000)

	f.layer = &feature.Layer{Name: "duct_guard", Schema: "authtest", Table: "duct_guard", Key: "id", Geometry: "geom", SRID: 2154}
	catalog := feature.NewCatalog([]*feature.Layer{f.layer})
	f.guard, err = postgis.LoadWriteGuard(ctx, pool, catalog, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	store := postgis.NewPartnerStore(pool)
	newPartner := func(login string, org int64, role auth.Role) *auth.Principal {
		p, _, err := store.AddPartner(ctx, postgis.NewPartner{Login: login + "-" + f.codeSuffix, OrgID: org, Role: role, WriteLayers: []string{"duct_guard"}})
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{Role: role, PartnerID: p.ID, Login: p.Login, OrgID: org, OrgCode: p.OrgCode, WriteLayers: p.WriteLayers}
	}
	f.partnerA = newPartner("a", f.orgA, auth.RolePartner)
	f.partnerB = newPartner("b", f.orgB, auth.RolePartner)
	f.admin = newPartner("root", f.orgB, auth.RoleAdmin)
	return f
}

func (f *guardFixture) ctx(p *auth.Principal) context.Context {
	return auth.NewContext(context.Background(), &auth.Access{Principal: p, Policy: auth.NewPolicy(true, nil)})
}

// txDB adapts a pgx transaction to feature.TxDB, as the write path does.
type txDB struct{ tx pgx.Tx }

func (d txDB) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := d.tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (d txDB) QueryRow(ctx context.Context, sql string, args ...any) feature.TxRow {
	return d.tx.QueryRow(ctx, sql, args...)
}

func (d txDB) Query(ctx context.Context, sql string, args ...any) (feature.TxRows, error) {
	return d.tx.Query(ctx, sql, args...)
}

// transact runs fn between the guard's Begin and Finish in one database transaction, as
// the write path does, and returns the first error.
func (f *guardFixture) transact(t *testing.T, p *auth.Principal, tr *feature.Transaction, fn func(ctx context.Context, tx pgx.Tx, db txDB) error) error {
	t.Helper()
	ctx := f.ctx(p)
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		db := txDB{tx}
		if _, err := f.guard.Begin(ctx, db, tr); err != nil {
			return err
		}
		if err := fn(ctx, tx, db); err != nil {
			return err
		}
		return f.guard.Finish(ctx, db, tr, &feature.TxResult{Updated: 1})
	})
	if err != nil {
		f.guard.Abort(ctx, tr, err)
	}
	return err
}

func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if e := postgis.GuardError(err); e != nil {
		return e.HTTPStatus()
	}
	var e *ows.Exception
	if errors.As(err, &e) {
		return e.HTTPStatus()
	}
	return -1
}

func updateTx(f *guardFixture, p *auth.Principal, key int64) *feature.Transaction {
	return &feature.Transaction{Handle: "update-" + strconv.FormatInt(key, 10), Actions: []*feature.Action{{Kind: feature.ActionUpdate, Layer: f.layer}}}
}

func TestGuardHooksOwnership(t *testing.T) {
	f := newGuardFixture(t)
	cases := []struct {
		name   string
		caller *auth.Principal
		key    int64
		want   int
	}{
		{"partner A own feature", f.partnerA, f.ownA, 200},
		{"partner A foreign feature", f.partnerA, f.ownB, 403},
		{"partner A own feature outside its area", f.partnerA, f.outsideA, 403},
		{"partner B own feature", f.partnerB, f.ownB, 200},
		{"partner B foreign feature", f.partnerB, f.ownA, 403},
		{"administrator foreign feature", f.admin, f.ownA, 200},
	}
	for _, c := range cases {
		tr := updateTx(f, c.caller, c.key)
		err := f.transact(t, c.caller, tr, func(ctx context.Context, tx pgx.Tx, db txDB) error {
			change := &feature.Change{Action: tr.Actions[0], Kind: feature.ActionUpdate, Keys: []int64{c.key}}
			if err := f.guard.BeforeChange(ctx, db, change); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE authtest.duct_guard SET comment = $2 WHERE id = $1`, c.key, c.name)
			return err
		})
		if got := statusOf(err); got != c.want {
			t.Errorf("%s: status %d, want %d (%v)", c.name, got, c.want, err)
		}
	}
}

// TestGuardTriggersWithoutHooks checks that the triggers alone reject what the hooks
// would, for a write path that forgot to call them.
func TestGuardTriggersWithoutHooks(t *testing.T) {
	f := newGuardFixture(t)
	cases := []struct {
		name   string
		caller *auth.Principal
		sql    string
		args   []any
		want   int
	}{
		{"update foreign", f.partnerA, `UPDATE authtest.duct_guard SET comment = 'x' WHERE id = $1`, []any{f.ownB}, 403},
		{"delete foreign", f.partnerA, `DELETE FROM authtest.duct_guard WHERE id = $1`, []any{f.ownB}, 403},
		{"update outside area", f.partnerA, `UPDATE authtest.duct_guard SET comment = 'x' WHERE id = $1`, []any{f.outsideA}, 403},
		{"give feature away", f.partnerA, `UPDATE authtest.duct_guard SET owner_org_id = $2 WHERE id = $1`, []any{f.ownA, f.orgB}, 403},
		{"move out of area", f.partnerA, `UPDATE authtest.duct_guard SET geom = ST_Translate(geom, 5000, 0) WHERE id = $1`, []any{f.ownA}, 403},
		{"insert for another owner", f.partnerA, `INSERT INTO authtest.duct_guard (owner_org_id, lifecycle_status, duct_type, geom)
			VALUES ($1, 'functional', 'PE', 'SRID=2154;LINESTRING(450100 6900100, 450110 6900100)')`, []any{f.orgB}, 403},
		{"insert outside area", f.partnerA, `INSERT INTO authtest.duct_guard (lifecycle_status, duct_type, geom)
			VALUES ('functional', 'PE', 'SRID=2154;LINESTRING(460000 6900100, 460010 6900100)')`, nil, 403},
		{"insert stamped by default", f.partnerA, `INSERT INTO authtest.duct_guard (lifecycle_status, duct_type, geom)
			VALUES ('functional', 'PE', 'SRID=2154;LINESTRING(450100 6900100, 450110 6900100)')`, nil, 200},
		{"update own", f.partnerA, `UPDATE authtest.duct_guard SET comment = 'x' WHERE id = $1`, []any{f.ownA}, 200},
		{"administrator updates foreign", f.admin, `UPDATE authtest.duct_guard SET comment = 'x' WHERE id = $1`, []any{f.ownA}, 200},
	}
	for _, c := range cases {
		tr := &feature.Transaction{Handle: c.name + " " + f.codeSuffix, Actions: []*feature.Action{{Kind: feature.ActionUpdate, Layer: f.layer}}}
		err := f.transact(t, c.caller, tr, func(ctx context.Context, tx pgx.Tx, _ txDB) error {
			_, err := tx.Exec(ctx, c.sql, c.args...)
			return err
		})
		if got := statusOf(err); got != c.want {
			t.Errorf("%s: status %d, want %d (%v)", c.name, got, c.want, err)
		}
	}

	// Only the successful transactions changed anything: the foreign feature kept its
	// comment, and the stamped insert belongs to A.
	var comment *string
	if err := f.pool.QueryRow(context.Background(), `SELECT comment FROM authtest.duct_guard WHERE id = $1`, f.ownB).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if comment != nil {
		t.Errorf("B's feature was changed to %q by a rejected statement", *comment)
	}
	var stamped int64
	err := f.pool.QueryRow(context.Background(), `SELECT d.owner_org_id FROM authtest.duct_guard d
		  JOIN netdata.asbuilt_submission s ON s.id = d.submission_id
		 WHERE s.handle = $1`, "insert stamped by default "+f.codeSuffix).Scan(&stamped)
	if err != nil {
		t.Fatal(err)
	}
	if stamped != f.orgA {
		t.Errorf("inserted feature owned by %d, want A (%d)", stamped, f.orgA)
	}
}

func TestLoaderWritesAreNotGuarded(t *testing.T) {
	f := newGuardFixture(t)
	// Without fourreau.role, as `fourreau load` writes, nothing is checked.
	if _, err := f.pool.Exec(context.Background(), `UPDATE authtest.duct_guard SET comment = 'loader' WHERE id = $1`, f.ownB); err != nil {
		t.Fatalf("an unguarded write failed: %v", err)
	}
}

func TestSubmissionAndHistory(t *testing.T) {
	f := newGuardFixture(t)
	ctx := context.Background()
	tr := &feature.Transaction{Handle: "survey-" + f.codeSuffix, UserAgent: "QGIS/3.28",
		Actions: []*feature.Action{{Kind: feature.ActionUpdate, Layer: f.layer}}}
	err := f.transact(t, f.partnerA, tr, func(ctx context.Context, tx pgx.Tx, _ txDB) error {
		_, err := tx.Exec(ctx, `UPDATE authtest.duct_guard SET comment = 'surveyed' WHERE id = $1`, f.ownA)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var submission int64
	var status, login, software string
	var updated int
	err = f.pool.QueryRow(ctx, `SELECT id, validation_status, partner_login, software, total_updated
		  FROM netdata.asbuilt_submission WHERE handle = $1`, tr.Handle).Scan(&submission, &status, &login, &software, &updated)
	if err != nil {
		t.Fatal(err)
	}
	if status != "valid" || login != f.partnerA.Login || software != "QGIS/3.28" || updated != 1 {
		t.Errorf("submission = %s, %s, %s, updated %d", status, login, software, updated)
	}
	var op, after string
	var before *string
	var org int64
	err = f.pool.QueryRow(ctx, `SELECT operation, before ->> 'comment', after ->> 'comment', org_id
		  FROM netdata.feature_history WHERE submission_id = $1 AND table_name = 'authtest.duct_guard' AND feature_id = $2`,
		submission, f.ownA).Scan(&op, &before, &after, &org)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		t.Fatal("no history row for the updated feature")
	}
	if op != "update" || before != nil || after != "surveyed" || org != f.orgA {
		t.Errorf("history = %s, before %v, after %q, org %d", op, before, after, org)
	}

	// A rejected transaction leaves a rejected submission with its exception, and no
	// history.
	rejected := &feature.Transaction{Handle: "bad-" + f.codeSuffix, Actions: []*feature.Action{{Kind: feature.ActionUpdate, Layer: f.layer}}}
	err = f.transact(t, f.partnerA, rejected, func(ctx context.Context, tx pgx.Tx, _ txDB) error {
		_, err := tx.Exec(ctx, `UPDATE authtest.duct_guard SET comment = 'stolen' WHERE id = $1`, f.ownB)
		return postgis.GuardError(err)
	})
	if statusOf(err) != 403 {
		t.Fatalf("update of a foreign feature: %v", err)
	}
	var report string
	err = f.pool.QueryRow(ctx, `SELECT validation_status || ' ' || (report ->> 'status')
		  FROM netdata.asbuilt_submission WHERE handle = $1`, rejected.Handle).Scan(&report)
	if err != nil {
		t.Fatal(err)
	}
	if report != "rejected 403" {
		t.Errorf("rejected submission = %q, want \"rejected 403\"", report)
	}
	var n int
	err = f.pool.QueryRow(ctx, `SELECT count(*) FROM netdata.feature_history WHERE after ->> 'comment' = 'stolen'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d history rows for a rolled-back change", n)
	}
}

func TestBeginRejectsCallers(t *testing.T) {
	f := newGuardFixture(t)
	other := &feature.Layer{Name: "other", Schema: "authtest", Table: "duct_guard", Key: "id"}
	cases := []struct {
		name   string
		caller *auth.Principal
		layer  *feature.Layer
		want   int
	}{
		{"anonymous", auth.Anonymous(), f.layer, 401},
		{"partner without the layer", f.partnerA, other, 403},
		{"partner with the layer", f.partnerA, f.layer, 200},
	}
	for _, c := range cases {
		tr := &feature.Transaction{Actions: []*feature.Action{{Kind: feature.ActionInsert, Layer: c.layer}}}
		err := f.transact(t, c.caller, tr, func(context.Context, pgx.Tx, txDB) error { return nil })
		if got := statusOf(err); got != c.want {
			t.Errorf("%s: status %d, want %d (%v)", c.name, got, c.want, err)
		}
	}
}

func lockQuery(f *guardFixture, keys ...int64) *feature.Query {
	var ids []string
	for _, k := range keys {
		ids = append(ids, "duct_guard."+strconv.FormatInt(k, 10))
	}
	return &feature.Query{Layer: f.layer, Filter: filter.ResourceID{IDs: ids}, Limit: -1}
}

func TestLocks(t *testing.T) {
	f := newGuardFixture(t)
	ctx := context.Background()
	lockAs := func(p *auth.Principal, all bool, keys ...int64) (*feature.LockResult, error) {
		return f.guard.Lock(ctx, &feature.LockRequest{Queries: []*feature.Query{lockQuery(f, keys...)}, Expiry: time.Minute, All: all,
			PartnerID: p.PartnerID, OrgID: p.OrgID, AnyFeature: p.IsAdmin()})
	}

	// A partner locks only what it may change: with ALL, a foreign feature fails it all.
	_, err := lockAs(f.partnerA, true, f.ownA, f.ownB)
	if e := (*ows.Exception)(nil); !errors.As(err, &e) || e.Code != postgis.CannotLockAllFeatures {
		t.Fatalf("lockAction=ALL over a foreign feature: %v, want CannotLockAllFeatures", err)
	}
	res, err := lockAs(f.partnerA, false, f.ownA, f.ownB)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Locked) != 1 || res.Locked[0].Key != f.ownA || len(res.NotLocked) != 1 || res.NotLocked[0].Key != f.ownB {
		t.Fatalf("lockAction=SOME: locked %v, not locked %v", res.Locked, res.NotLocked)
	}
	lockID := res.LockID

	// An administrator cannot take a feature another lock holds.
	res2, err := lockAs(f.admin, false, f.ownA)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Locked) != 0 || len(res2.NotLocked) != 1 {
		t.Errorf("second lock took a locked feature: %+v", res2)
	}

	// Writes without the lock are rejected with 423, by the hooks and by the triggers.
	tr := updateTx(f, f.admin, f.ownA)
	err = f.transact(t, f.admin, tr, func(ctx context.Context, tx pgx.Tx, db txDB) error {
		return f.guard.BeforeChange(ctx, db, &feature.Change{Action: tr.Actions[0], Kind: feature.ActionUpdate, Keys: []int64{f.ownA}})
	})
	if got := statusOf(err); got != http.StatusLocked {
		t.Errorf("hooks, update of a locked feature without the lock: status %d (%v)", got, err)
	}
	err = f.transact(t, f.admin, updateTx(f, f.admin, f.ownA), func(ctx context.Context, tx pgx.Tx, _ txDB) error {
		_, err := tx.Exec(ctx, `DELETE FROM authtest.duct_guard WHERE id = $1`, f.ownA)
		return err
	})
	if got := statusOf(err); got != http.StatusLocked {
		t.Errorf("trigger, delete of a locked feature without the lock: status %d (%v)", got, err)
	}

	// Another partner cannot present A's lock.
	tr = updateTx(f, f.partnerB, f.ownB)
	tr.LockID = lockID
	err = f.transact(t, f.partnerB, tr, func(context.Context, pgx.Tx, txDB) error { return nil })
	if got := statusOf(err); got != 400 {
		t.Errorf("B presenting A's lock: status %d (%v)", got, err)
	}

	// With the lock, and releaseAction=SOME, the changed feature is released and the
	// lock stays.
	tr = updateTx(f, f.partnerA, f.ownA)
	tr.LockID = lockID
	err = f.transact(t, f.partnerA, tr, func(ctx context.Context, tx pgx.Tx, _ txDB) error {
		_, err := tx.Exec(ctx, `UPDATE authtest.duct_guard SET comment = 'with lock' WHERE id = $1`, f.ownA)
		return err
	})
	if err != nil {
		t.Fatalf("update with the lock: %v", err)
	}
	var held int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM wfs.locked_feature WHERE lock_id = $1`, lockID).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Errorf("releaseAction=SOME left %d features locked, want the changed one released", held)
	}
	var exists bool
	if err := f.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM wfs.lock WHERE lock_id = $1)`, lockID).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		t.Error("releaseAction=SOME deleted the lock itself")
	}

	// releaseAction=ALL deletes the lock.
	res, err = lockAs(f.partnerA, true, f.ownA)
	if err != nil {
		t.Fatal(err)
	}
	tr = updateTx(f, f.partnerA, f.ownA)
	tr.LockID, tr.ReleaseAll = res.LockID, true
	if err := f.transact(t, f.partnerA, tr, func(context.Context, pgx.Tx, txDB) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM wfs.lock WHERE lock_id = $1)`, res.LockID).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("releaseAction=ALL kept the lock")
	}
}

func TestLockExpiry(t *testing.T) {
	f := newGuardFixture(t)
	ctx := context.Background()
	req := func(p *auth.Principal) *feature.LockRequest {
		return &feature.LockRequest{Queries: []*feature.Query{lockQuery(f, f.ownB)}, Expiry: time.Second, All: true,
			PartnerID: p.PartnerID, OrgID: p.OrgID, AnyFeature: p.IsAdmin()}
	}
	first, err := f.guard.Lock(ctx, req(f.partnerB))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.guard.Lock(ctx, req(f.admin)); err == nil {
		t.Fatal("a live lock was taken over")
	}
	time.Sleep(1100 * time.Millisecond)
	second, err := f.guard.Lock(ctx, req(f.admin))
	if err != nil {
		t.Fatalf("the expired lock still holds: %v", err)
	}
	if len(second.Locked) != 1 {
		t.Errorf("locked %d features after expiry, want 1", len(second.Locked))
	}

	// The expired lock is gone: presenting it fails.
	tr := updateTx(f, f.partnerB, f.ownB)
	tr.LockID = first.LockID
	err = f.transact(t, f.partnerB, tr, func(context.Context, pgx.Tx, txDB) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("presenting an expired lock: %v", err)
	}
}

func TestPartnerStore(t *testing.T) {
	pool := testdb.MigratedPool(t)
	ctx := context.Background()
	store := postgis.NewPartnerStore(pool)
	suffix := randomSuffix(t)
	p, key, err := store.AddPartner(ctx, postgis.NewPartner{
		Login: "p-" + suffix, OrgCode: "ORG-" + suffix, OrgName: "Test organisation", OrgType: "surveyor",
		Role: auth.RolePartner, WriteLayers: []string{"duct"},
		WriteArea: "POLYGON((450000 6900000, 451000 6900000, 451000 6901000, 450000 6901000, 450000 6900000))",
	})
	if err != nil {
		t.Fatal(err)
	}
	keyID, secret, err := auth.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.KeyByID(ctx, keyID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Partner.Login != p.Login || stored.Partner.OrgCode != "ORG-"+suffix || stored.Revoked {
		t.Errorf("stored key = %+v", stored)
	}
	if strings.Contains(stored.SecretHash, secret) {
		t.Error("the database holds the secret")
	}
	if ok, err := auth.VerifySecret(secret, stored.SecretHash); err != nil || !ok {
		t.Errorf("the stored hash does not verify the key: %v %v", ok, err)
	}
	var area float64
	if err := pool.QueryRow(ctx, `SELECT ST_Area(wfs_write_scope) FROM netdata.organisation WHERE id = $1`, p.OrgID).Scan(&area); err != nil {
		t.Fatal(err)
	}
	if area != 1e6 {
		t.Errorf("write area = %v m², want 1e6", area)
	}

	if _, _, err := store.AddPartner(ctx, postgis.NewPartner{Login: p.Login, OrgID: p.OrgID, Role: auth.RolePartner}); err == nil {
		t.Error("a second partner with the same login was created")
	}

	newKey, err := store.RotateKey(ctx, p.Login, false)
	if err != nil {
		t.Fatal(err)
	}
	if stored, err = store.KeyByID(ctx, keyID); err != nil || !stored.Revoked {
		t.Errorf("the old key is not revoked after rotation: %+v %v", stored, err)
	}
	newID, _, _ := auth.ParseKey(newKey)
	if stored, err = store.KeyByID(ctx, newID); err != nil || stored.Revoked {
		t.Errorf("the new key is not active: %+v %v", stored, err)
	}

	if err := store.SetPartnerDisabled(ctx, p.Login, true); err != nil {
		t.Fatal(err)
	}
	if stored, _ = store.KeyByID(ctx, newID); stored.Partner.DisabledAt == nil {
		t.Error("the partner is not disabled")
	}
	if err := store.SetPartnerDisabled(ctx, "no-such-login-"+suffix, true); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("disabling an unknown login: %v", err)
	}
	if _, err := store.KeyByID(ctx, "000000000000"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("unknown key id: %v", err)
	}
}

// TestStoreRefusesClosedLayer checks the read backstop: a query built by any path
// for a layer closed to the caller fails with 401.
func TestStoreRefusesClosedLayer(t *testing.T) {
	f := newGuardFixture(t)
	store := postgis.NewStore(f.pool)
	closed := auth.NewPolicy(true, map[string]bool{f.layer.Name: false})
	q := &feature.Query{Layer: f.layer, Limit: 1}
	for _, c := range []struct {
		name   string
		caller *auth.Principal
		want   int
	}{
		{"anonymous", auth.Anonymous(), http.StatusUnauthorized},
		{"partner", f.partnerB, http.StatusOK},
	} {
		ctx := auth.NewContext(context.Background(), &auth.Access{Principal: c.caller, Policy: closed})
		err := store.Features(ctx, q, func(*feature.Row) error { return nil })
		if got := statusOf(err); got != c.want {
			t.Errorf("%s Features: status %d, want %d (%v)", c.name, got, c.want, err)
		}
		_, err = store.Count(ctx, q)
		if got := statusOf(err); got != c.want {
			t.Errorf("%s Count: status %d, want %d (%v)", c.name, got, c.want, err)
		}
	}
}

// TestHistoryStatesAreWholeRows checks that the before and after states equal
// to_jsonb of the row, geometry included.
func TestHistoryStatesAreWholeRows(t *testing.T) {
	f := newGuardFixture(t)
	ctx := context.Background()
	var before string
	if err := f.pool.QueryRow(ctx, `SELECT to_jsonb(d)::text FROM authtest.duct_guard d WHERE id = $1`, f.ownA).Scan(&before); err != nil {
		t.Fatal(err)
	}
	tr := &feature.Transaction{Handle: "states-" + f.codeSuffix, Actions: []*feature.Action{{Kind: feature.ActionUpdate, Layer: f.layer}}}
	err := f.transact(t, f.partnerA, tr, func(ctx context.Context, tx pgx.Tx, _ txDB) error {
		_, err := tx.Exec(ctx, `UPDATE authtest.duct_guard SET comment = 'states', geom = ST_Translate(geom, 0.123456789, 0) WHERE id = $1`, f.ownA)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var sameBefore, sameAfter bool
	err = f.pool.QueryRow(ctx, `SELECT h.before = $2::jsonb, h.after = (SELECT to_jsonb(d) FROM authtest.duct_guard d WHERE d.id = $1)
		  FROM netdata.feature_history h JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
		 WHERE h.table_name = 'authtest.duct_guard' AND h.feature_id = $1 AND s.handle = $3`, f.ownA, before, tr.Handle).Scan(&sameBefore, &sameAfter)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBefore {
		t.Error("the before state differs from to_jsonb of the row before the update")
	}
	if !sameAfter {
		t.Error("the after state differs from to_jsonb of the row after the update")
	}
}
