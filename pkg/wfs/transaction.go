package wfs

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// Transaction modes of the wfs.transactions setting.
const (
	// TransactionsOff rejects Transaction with OperationNotSupported and leaves it out of
	// capabilities.
	TransactionsOff = "off"
	// TransactionsOpen accepts transactions from anyone, authenticated or not.
	TransactionsOpen = "open"
	// TransactionsPartners accepts transactions that the TxHooks let through; without
	// hooks every transaction is rejected.
	TransactionsPartners = "partners"
)

// SetTxHooks sets the hooks that take part in every transaction (access control and
// history); feature.NoHooks when never called.
func (s *Service) SetTxHooks(h feature.TxHooks) {
	s.hooks = h
}

// transactionsEnabled reports whether Transaction is offered.
func (s *Service) transactionsEnabled() bool {
	mode := s.cfg.WFS.Transactions
	_, writable := s.store.(feature.Writer)
	return writable && (mode == TransactionsOpen || mode == TransactionsPartners)
}

// transaction applies a parsed Transaction request and writes its response.
func (s *Service) transaction(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	t := req.transaction
	if t == nil {
		return ows.Errorf(ows.OperationParsingFailed, "request", "Transaction requests are sent as XML documents in a POST body")
	}
	writer, _ := s.store.(feature.Writer)
	hooks := s.hooks
	if hooks == nil {
		hooks = feature.NoHooks{}
	}
	if _, none := hooks.(feature.NoHooks); none && s.cfg.WFS.Transactions == TransactionsPartners {
		return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: t.Handle, Status: http.StatusForbidden,
			Text: "transactions are limited to partners, and no partner authentication is configured on this server"}
	}
	t.UserAgent = r.UserAgent()

	start := time.Now()
	res, err := writer.Transact(ctx, t, hooks)
	if err != nil {
		var e *ows.Exception
		if !errors.As(err, &e) || e.Code == ows.NoApplicableCode {
			return err
		}
		s.log.Info("wfs transaction rejected", "handle", t.Handle, "code", e.Code, "locator", e.Locator, "text", e.Text,
			"actions", len(t.Actions), "duration", time.Since(start))
		if req.version == V100 {
			// WFS 1.0 reports a failed transaction in its own response, status FAILED.
			writeFailed100(w, t, e)
			return nil
		}
		return err
	}
	s.log.Info("wfs transaction committed", "handle", t.Handle, "inserted", len(res.Inserted), "updated", res.Updated,
		"replaced", len(res.Replaced), "deleted", res.Deleted, "duration", time.Since(start))
	return s.writeTransactionResponse(w, req.version, t, res)
}
