package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
)

// outcome is what one transaction of the concurrent test sent and received.
type outcome struct {
	partner partner
	handle  string
	kind    string // insert, locked-update, lock-refused, delete-and-update, invalid
	target  int64  // the shared or deleted feature, 0 for plain inserts
	status  int
	body    string
	sum     summary
}

// TestConcurrentPartners has 8 partners of two organisations post 20 transactions each
// at the same time. The partners of one organisation compete for the same three
// features, with and without locks. Afterwards every acknowledged transaction must be
// in the table, in netdata.asbuilt_submission and in the history with the counts of its
// response, and nothing of a refused one may be visible.
func TestConcurrentPartners(t *testing.T) {
	f := newProcFixture(t)
	srv := startServer(t, f.dbURL)
	const partners, perPartner = 8, 20

	var ps []partner
	for i := range partners {
		ps = append(ps, f.addPartner(t, fmt.Sprintf("conc-%d", i), fmt.Sprintf("CONC%d", i/4), auth.RolePartner))
	}
	shared := map[int64][]int64{}
	for _, p := range []partner{ps[0], ps[4]} {
		for range 3 {
			shared[p.org] = append(shared[p.org], f.seed(t, p.org, "seed-"+f.suffix))
		}
	}

	var mu sync.Mutex
	var outcomes []outcome
	var failures []string
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var own []int64 // keys this partner inserted and has not deleted yet
			record := func(o outcome, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s: %v", o.handle, err))
					return
				}
				outcomes = append(outcomes, o)
			}
			post := func(o outcome, lockID, actions string) outcome {
				r, err := do(srv, p, http.MethodPost, "", txOpen(o.handle, lockID)+actions+"</wfs:Transaction>")
				o.status, o.body = r.status, r.body
				if err == nil && r.status == http.StatusOK {
					o.sum, err = parseSummary(r.body)
					own = append(own, o.sum.keys...)
				}
				record(o, err)
				return o
			}
			for j := range perPartner {
				o := outcome{partner: p, handle: fmt.Sprintf("conc-%s-p%d-t%02d", f.suffix, i, j)}
				target := shared[p.org][(i+j)%3]
				switch j % 5 {
				case 0, 1, 2:
					o.kind = "insert"
					post(o, "", ductsXML(1+(i+j)%4, o.handle, -1))
				case 3:
					// Lock a shared feature, then change it with the lock and add a duct.
					o.kind, o.target = "locked-update", target
					lr, lockID, err := lockFeature(srv, p, target, 30)
					if err != nil {
						record(o, fmt.Errorf("LockFeature: %w", err))
						continue
					}
					if lockID == "" {
						// Another partner of the organisation holds it: the refusal is recorded.
						o.kind, o.status, o.body = "lock-refused", lr.status, lr.body
						record(o, nil)
						continue
					}
					post(o, lockID, updateCommentXML(target, o.handle)+ductsXML(1, o.handle, -1))
				case 4:
					if j%10 == 4 {
						// Two valid ducts and an invalid geometry: nothing may land.
						o.kind = "invalid"
						post(o, "", ductsXML(3, o.handle, 2))
						continue
					}
					// Delete the oldest own duct and change a shared feature without a
					// lock, which fails with 423 while another partner holds one.
					if len(own) == 0 {
						record(o, fmt.Errorf("no acknowledged duct of partner %d to delete", i))
						continue
					}
					o.kind, o.target = "delete-and-update", own[0]
					res := post(o, "", deleteXML(own[0])+updateCommentXML(target, o.handle))
					if res.status == http.StatusOK {
						own = own[1:]
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed:\n%s", len(failures), strings.Join(failures, "\n"))
	}

	// Every status is one the documentation gives for that request.
	allowed := map[string][]int{
		"insert":            {http.StatusOK},
		"locked-update":     {http.StatusOK},
		"invalid":           {http.StatusBadRequest},
		"delete-and-update": {http.StatusOK, http.StatusLocked},
		"lock-refused":      {http.StatusBadRequest},
	}
	counts := map[string]int{}
	for _, o := range outcomes {
		counts[fmt.Sprintf("%s %d", o.kind, o.status)]++
		if !slices.Contains(allowed[o.kind], o.status) {
			t.Errorf("%s (%s): status %d: %.600s", o.handle, o.kind, o.status, o.body)
		}
		if o.status != http.StatusOK && !strings.Contains(o.body, "ExceptionReport") {
			t.Errorf("%s (%s): refusal without an exception report: %.300s", o.handle, o.kind, o.body)
		}
	}
	t.Logf("outcomes: %v", counts)
	if len(outcomes) != partners*perPartner {
		t.Fatalf("%d outcomes, want %d", len(outcomes), partners*perPartner)
	}

	ctx := context.Background()
	live := map[int64]string{} // key -> handle of its insert, for ducts not deleted
	var acked, refused []outcome
	for _, o := range outcomes {
		if o.status == http.StatusOK {
			acked = append(acked, o)
			for _, k := range o.sum.keys {
				live[k] = o.handle
			}
		} else if o.kind != "lock-refused" {
			refused = append(refused, o)
		}
	}
	for _, o := range acked {
		if o.kind == "delete-and-update" {
			delete(live, o.target)
		}
	}

	// Each acknowledged transaction: one valid submission with the response's counts,
	// and one history row per changed feature.
	for _, o := range acked {
		var status string
		var ins, upd, del, history, hIns, hUpd, hDel int
		err := f.pool.QueryRow(ctx, `SELECT s.validation_status, s.total_inserted, s.total_updated, s.total_deleted,
			       count(h.id), count(h.id) FILTER (WHERE h.operation = 'insert'),
			       count(h.id) FILTER (WHERE h.operation = 'update'), count(h.id) FILTER (WHERE h.operation = 'delete')
			  FROM netdata.asbuilt_submission s LEFT JOIN netdata.feature_history h ON h.submission_id = s.id
			 WHERE s.handle = $1 AND s.partner_login = $2
			 GROUP BY s.id`, o.handle, o.partner.login).Scan(&status, &ins, &upd, &del, &history, &hIns, &hUpd, &hDel)
		if err != nil {
			t.Errorf("%s: submission of an acknowledged transaction: %v", o.handle, err)
			continue
		}
		if status != "valid" || ins != o.sum.inserted || upd != o.sum.updated || del != o.sum.deleted {
			t.Errorf("%s: submission %s %d/%d/%d, response %d/%d/%d", o.handle, status, ins, upd, del,
				o.sum.inserted, o.sum.updated, o.sum.deleted)
		}
		if hIns != o.sum.inserted || hUpd != o.sum.updated || hDel != o.sum.deleted {
			t.Errorf("%s: history %d/%d/%d, response %d/%d/%d", o.handle, hIns, hUpd, hDel,
				o.sum.inserted, o.sum.updated, o.sum.deleted)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM netdata.asbuilt_submission WHERE handle LIKE $1 AND validation_status = 'valid'`,
		"conc-"+f.suffix+"-%"); n != len(acked) {
		t.Errorf("%d valid submissions, %d acknowledged transactions", n, len(acked))
	}

	// Nothing of a refused transaction is visible: no row, no history, no valid submission.
	for _, o := range refused {
		if n := f.count(t, `SELECT count(*) FROM proctest.duct WHERE comment = $1`, o.handle); n != 0 {
			t.Errorf("%s was refused (%d) but %d of its features are stored", o.handle, o.status, n)
		}
		if n := f.count(t, `SELECT count(*) FROM netdata.feature_history h JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
			 WHERE s.handle = $1`, o.handle); n != 0 {
			t.Errorf("%s was refused but has %d history rows", o.handle, n)
		}
		if n := f.count(t, `SELECT count(*) FROM netdata.asbuilt_submission WHERE handle = $1 AND validation_status = 'valid'`, o.handle); n != 0 {
			t.Errorf("%s was refused but its submission is valid", o.handle)
		}
	}

	// The table holds exactly the acknowledged inserts that no acknowledged delete removed.
	rows, err := f.pool.Query(ctx, `SELECT id, comment FROM proctest.duct WHERE comment LIKE $1`, "conc-"+f.suffix+"-%")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]string{}
	for rows.Next() {
		var id int64
		var comment string
		if err := rows.Scan(&id, &comment); err != nil {
			t.Fatal(err)
		}
		stored[id] = comment
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for k, h := range live {
		if stored[k] != h {
			t.Errorf("duct %d of acknowledged %s: stored comment %q", k, h, stored[k])
		}
	}
	isShared := map[int64]bool{}
	for _, keys := range shared {
		for _, k := range keys {
			isShared[k] = true
		}
	}
	for k, c := range stored {
		if _, ok := live[k]; !ok && !isShared[k] {
			t.Errorf("duct %d (comment %q) is stored but no acknowledged transaction left it", k, c)
		}
	}

	// Each shared feature carries the handle of the last acknowledged transaction that
	// changed it, in commit order, and its history lists acknowledged changes only.
	ackedHandles := map[string]bool{}
	for _, o := range acked {
		ackedHandles[o.handle] = true
	}
	for _, keys := range shared {
		for _, k := range keys {
			rows, err := f.pool.Query(ctx, `SELECT s.handle FROM netdata.feature_history h JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
				 WHERE h.table_name = $1 AND h.feature_id = $2 ORDER BY s.completed_at, h.id`, procTable, k)
			if err != nil {
				t.Fatal(err)
			}
			var handles []string
			for rows.Next() {
				var h string
				if err := rows.Scan(&h); err != nil {
					t.Fatal(err)
				}
				handles = append(handles, h)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			want := "seed-" + f.suffix
			for _, h := range handles {
				if !ackedHandles[h] {
					t.Errorf("feature %d: history names %s, which was not acknowledged", k, h)
				}
				want = h
			}
			if got := f.comment(t, k); got != want {
				t.Errorf("feature %d: comment %q, want %q from the last change in its history %v", k, got, want, handles)
			}
		}
	}
}

// TestLockConflicts checks the answers to partners that change or lock a feature
// another partner has locked: 423 for a partner of the owner organisation and for an
// administrator, 403 for a partner of another organisation, 400 for a lock id
// presented by someone else and for a second lock. None of them changes anything.
func TestLockConflicts(t *testing.T) {
	f := newProcFixture(t)
	srv := startServer(t, f.dbURL)
	a1 := f.addPartner(t, "lock-a1", "LOCKA", auth.RolePartner)
	a2 := f.addPartner(t, "lock-a2", "LOCKA", auth.RolePartner)
	b1 := f.addPartner(t, "lock-b1", "LOCKB", auth.RolePartner)
	admin := f.addPartner(t, "lock-admin", "LOCKADM", auth.RoleAdmin)
	key := f.seed(t, a1.org, "original")

	_, lockID, err := lockFeature(srv, a1, key, 300)
	if err != nil || lockID == "" {
		t.Fatalf("A1 cannot lock its organisation's feature: %v", err)
	}
	historyBefore := f.count(t, `SELECT count(*) FROM netdata.feature_history WHERE table_name = $1 AND feature_id = $2`, procTable, key)

	cases := []struct {
		name   string
		caller partner
		lockID string
		body   string
		want   int
	}{
		{"same organisation, no lock", a2, "", updateCommentXML(key, "a2"), http.StatusLocked},
		{"same organisation, delete", a2, "", deleteXML(key), http.StatusLocked},
		{"administrator, no lock", admin, "", updateCommentXML(key, "admin"), http.StatusLocked},
		{"other organisation", b1, "", updateCommentXML(key, "b1"), http.StatusForbidden},
		{"other partner's lock id", a2, lockID, updateCommentXML(key, "a2-with-a1-lock"), http.StatusBadRequest},
	}
	for _, c := range cases {
		handle := "lock-" + f.suffix + "-" + strings.ReplaceAll(c.name, " ", "-")
		r, err := do(srv, c.caller, http.MethodPost, "", txOpen(handle, c.lockID)+c.body+"</wfs:Transaction>")
		if err != nil {
			t.Fatal(err)
		}
		if r.status != c.want || !strings.Contains(r.body, "ExceptionReport") {
			t.Errorf("%s: status %d, want %d with an exception report: %.400s", c.name, r.status, c.want, r.body)
		}
		if n := f.count(t, `SELECT count(*) FROM netdata.asbuilt_submission WHERE handle = $1 AND validation_status = 'valid'`, handle); n != 0 {
			t.Errorf("%s: refused but recorded as a valid submission", c.name)
		}
	}

	// Locking the locked feature again with LOCKACTION=ALL fails with
	// CannotLockAllFeatures, for the other partner of the organisation (already locked)
	// and for the other organisation (not a feature it may change).
	for _, c := range []struct {
		name   string
		caller partner
	}{
		{"same organisation", a2},
		{"other organisation", b1},
	} {
		r, lockID, err := lockFeature(srv, c.caller, key, 300)
		if err != nil {
			t.Fatal(err)
		}
		if lockID != "" || r.status != http.StatusBadRequest || !strings.Contains(r.body, `exceptionCode="CannotLockAllFeatures"`) {
			t.Errorf("LockFeature by %s: status %d, lock %q, want 400 CannotLockAllFeatures: %.400s", c.name, r.status, lockID, r.body)
		}
	}

	if got := f.comment(t, key); got != "original" {
		t.Errorf("the locked feature changed to %q", got)
	}
	if n := f.count(t, `SELECT count(*) FROM netdata.feature_history WHERE table_name = $1 AND feature_id = $2`, procTable, key); n != historyBefore {
		t.Errorf("history of the locked feature grew from %d to %d rows", historyBefore, n)
	}

	// The lock holder changes the feature with its lock, which releases the lock.
	r, err := do(srv, a1, http.MethodPost, "", txOpen("lock-"+f.suffix+"-holder", lockID)+updateCommentXML(key, "a1")+"</wfs:Transaction>")
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("A1 with its lock: %v %d %.400s", err, r.status, r.body)
	}
	r, err = do(srv, a2, http.MethodPost, "", txOpen("lock-"+f.suffix+"-after", "")+updateCommentXML(key, "a2")+"</wfs:Transaction>")
	if err != nil || r.status != http.StatusOK {
		t.Errorf("A2 after the lock was released: %v %d %.400s", err, r.status, r.body)
	}
	if got := f.comment(t, key); got != "a2" {
		t.Errorf("feature comment %q after both updates, want a2", got)
	}
}

// TestKillDuringLargeTransaction kills the server (SIGKILL) while it writes a
// transaction of 10,000 ducts. No row of it may be visible afterwards, its submission
// must not be recorded as valid, and the transactions acknowledged before the kill must
// all be there.
func TestKillDuringLargeTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("posts 10,000 ducts")
	}
	f := newProcFixture(t)
	srv := startServer(t, f.dbURL)
	p := f.addPartner(t, "kill", "KILL", auth.RolePartner)
	ctx := context.Background()

	before := map[int64]string{}
	for i := range 3 {
		handle := fmt.Sprintf("kill-%s-before-%d", f.suffix, i)
		r, err := do(srv, p, http.MethodPost, "", txOpen(handle, "")+ductsXML(2, handle, -1)+"</wfs:Transaction>")
		if err != nil || r.status != http.StatusOK {
			t.Fatalf("%s: %v %d %.300s", handle, err, r.status, r.body)
		}
		s, err := parseSummary(r.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range s.keys {
			before[k] = handle
		}
	}

	big := "kill-" + f.suffix + "-large"
	body := txOpen(big, "") + ductsXML(10000, big, -1) + "</wfs:Transaction>"
	type result struct {
		r   response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := do(srv, p, http.MethodPost, "", body)
		done <- result{r, err}
	}()

	// The server's backend gets a transaction id when the transaction writes its first
	// row (the submission), after the request has been parsed. Kill the server then.
	var backend int
	deadline := time.Now().Add(2 * time.Minute)
	for backend == 0 {
		err := f.pool.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			 WHERE datname = current_database() AND application_name = 'fourreau' AND backend_xid IS NOT NULL`).Scan(&backend)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case res := <-done:
			t.Fatalf("the large transaction ended before the kill: %v %d %.300s", res.err, res.r.status, res.r.body)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the large transaction never started writing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	var state, query string
	var age time.Duration
	f.pool.QueryRow(ctx, `SELECT state, left(query, 60), clock_timestamp() - xact_start FROM pg_stat_activity WHERE pid = $1`,
		backend).Scan(&state, &query, &age)
	t.Logf("killing the server: backend %d %s for %v, last statement %q", backend, state, age, query)
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	if res := <-done; res.err == nil {
		t.Fatalf("the large transaction was answered although the server was killed: %d %.300s", res.r.status, res.r.body)
	}

	// PostgreSQL aborts the transaction when its backend finds the connection closed.
	for {
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, backend).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d of the killed server still runs", backend)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if n := f.count(t, `SELECT count(*) FROM proctest.duct WHERE comment = $1`, big); n != 0 {
		t.Errorf("%d ducts of the interrupted transaction are visible", n)
	}
	if n := f.count(t, `SELECT count(*) FROM netdata.asbuilt_submission WHERE handle = $1 AND validation_status = 'valid'`, big); n != 0 {
		t.Errorf("the interrupted transaction is recorded as a valid submission")
	}
	if n := f.count(t, `SELECT count(*) FROM netdata.feature_history h JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
		 WHERE s.handle = $1`, big); n != 0 {
		t.Errorf("the interrupted transaction left %d history rows", n)
	}
	for k, h := range before {
		if got := f.comment(t, k); got != h {
			t.Errorf("duct %d acknowledged by %s before the kill: comment %q", k, h, got)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM netdata.asbuilt_submission WHERE handle LIKE $1 AND validation_status = 'valid' AND total_inserted = 2`,
		"kill-"+f.suffix+"-before-%"); n != 3 {
		t.Errorf("%d valid submissions of the 3 acknowledged before the kill", n)
	}

	// A new server process takes writes again.
	srv = startServer(t, f.dbURL)
	r, err := do(srv, p, http.MethodPost, "", txOpen("kill-"+f.suffix+"-after", "")+ductsXML(1, "kill-"+f.suffix+"-after", -1)+"</wfs:Transaction>")
	if err != nil || r.status != http.StatusOK {
		t.Errorf("insert after the restart: %v %d %.300s", err, r.status, r.body)
	}
}
