package postgis

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// The write guard triggers raise WF423 when a statement changes a feature that another
// lock holds, typically when the lock was taken after the guard's own check in Go. The
// client must get the same 423 as from that check, not a 403.
func TestDBFailureGuardStatus(t *testing.T) {
	a := &feature.Action{Kind: feature.ActionUpdate, Handle: "edit"}
	w := &txWriter{t: &feature.Transaction{Handle: "delivery"}, actionIndex: map[*feature.Action]int{a: 1}}
	ws := &writeSchema{layer: &feature.Layer{Name: "duct", SRID: 2154}}
	for code, want := range map[string]int{"WF423": http.StatusLocked, "WF403": http.StatusForbidden} {
		pgErr := &pgconn.PgError{Code: code, Message: "feature 42 of netdata.duct is refused", Detail: "42",
			SchemaName: "netdata", TableName: "duct"}
		err := w.dbFailure(ws, a, nil, fmt.Errorf("exec: %w", pgErr))
		var e *ows.Exception
		if !errors.As(err, &e) {
			t.Fatalf("%s: got %v, want an exception", code, err)
		}
		if e.HTTPStatus() != want {
			t.Errorf("%s: status %d, want %d", code, e.HTTPStatus(), want)
		}
		if e.Locator != "edit" {
			t.Errorf("%s: locator %q, want the action's handle", code, e.Locator)
		}
		if e.Code != ows.OperationProcessingFailed {
			t.Errorf("%s: code %s, want %s", code, e.Code, ows.OperationProcessingFailed)
		}
	}
}
