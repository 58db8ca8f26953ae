package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/pkg/feature"
)

// ChangeChannel is the NOTIFY channel of the change notification triggers
// (schemas/0030_change_notify.sql).
const ChangeChannel = "fourreau_change"

// ChangeHandler receives what a Listener hears. Its methods run on the listener's
// goroutine, one at a time.
type ChangeHandler interface {
	// Connected runs each time LISTEN takes effect, before the first notification it
	// delivers. Changes committed while the listener was not connected were not notified.
	Connected(ctx context.Context)
	// Disconnected runs when the connection is lost: notifications stop until the next
	// Connected.
	Disconnected(err error)
	// Changed runs for each change notification, in commit order.
	Changed(ctx context.Context, c feature.ChangedArea)
}

// Listener listens for change notifications on a connection of its own, reconnecting
// after failures, and offers a fence: Fence returns once every notification of the
// transactions committed before the call has been handled.
type Listener struct {
	config *pgx.ConnConfig
	log    *slog.Logger

	mu sync.Mutex
	// waiters are the Fence calls waiting for the next round trip.
	waiters []chan error
	// wake interrupts the wait for a notification; nil while none runs.
	wake      context.CancelFunc
	connected bool
}

// Reconnection delays after a failure: the first, then doubled up to the last.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// NewListener returns a listener that connects with the settings of pool.
func NewListener(pool *pgxpool.Pool, log *slog.Logger) *Listener {
	cfg := pool.Config().ConnConfig.Copy()
	// The process id distinguishes the listening sessions of several servers in
	// pg_stat_activity.
	cfg.RuntimeParams["application_name"] = "fourreau-listen-" + strconv.Itoa(os.Getpid())
	return &Listener{config: cfg, log: log}
}

// Run listens until ctx is cancelled, passing what it hears to h.
func (l *Listener) Run(ctx context.Context, h ChangeHandler) {
	delay := listenRetryMin
	for ctx.Err() == nil {
		started := time.Now()
		err := l.session(ctx, h)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			delay = listenRetryMin
		}
		l.log.Warn("change notifications lost; reconnecting", "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, listenRetryMax)
	}
}

// session connects, listens and handles notifications and fences until the connection
// fails or ctx ends.
func (l *Listener) session(ctx context.Context, h ChangeHandler) (err error) {
	conn, err := pgx.ConnectConfig(ctx, l.config)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ChangeChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	l.setConnected(true)
	h.Connected(ctx)
	defer func() {
		l.setConnected(false)
		l.releaseWaiters(fmt.Errorf("postgis: change notifications lost: %w", err))
		h.Disconnected(err)
	}()
	l.log.Info("listening for change notifications", "channel", ChangeChannel)

	for {
		waitCtx, cancel := context.WithCancel(ctx)
		l.mu.Lock()
		l.wake = cancel
		fenceWanted := len(l.waiters) > 0
		l.mu.Unlock()
		if fenceWanted {
			cancel()
		}
		n, err := conn.WaitForNotification(waitCtx)
		l.mu.Lock()
		l.wake = nil
		l.mu.Unlock()
		cancel()

		switch {
		case err == nil:
			l.handle(ctx, h, n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case waitCtx.Err() != nil:
			// Woken for a fence: the connection is still usable.
			if err := l.fenceRound(ctx, conn, h); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// fenceRound releases the waiting Fence calls after one round trip on the listening
// connection. PostgreSQL sends a listening session the notifications of every
// transaction committed before a query ahead of that query's result, so once the round
// trip is over, handling the notifications it brought completes the fence.
func (l *Listener) fenceRound(ctx context.Context, conn *pgx.Conn, h ChangeHandler) error {
	l.mu.Lock()
	waiters := l.waiters
	l.waiters = nil
	l.mu.Unlock()
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		l.release(waiters, fmt.Errorf("postgis: notification fence: %w", err))
		return err
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	for {
		// With a cancelled context, WaitForNotification returns the notifications that
		// the round trip buffered, then an error.
		n, err := conn.WaitForNotification(done)
		if err != nil {
			break
		}
		l.handle(ctx, h, n.Payload)
	}
	l.release(waiters, nil)
	return nil
}

func (l *Listener) handle(ctx context.Context, h ChangeHandler, payload string) {
	c, err := ParseChange(payload)
	if err != nil {
		l.log.Error("invalid change notification; ignored", "payload", payload, "err", err)
		return
	}
	h.Changed(ctx, c)
}

// Fence returns once every change notification of the transactions committed before
// the call has been handled, or an error when the listener is not connected or ctx
// ends first. Concurrent calls share one round trip to the database.
func (l *Listener) Fence(ctx context.Context) error {
	ch := make(chan error, 1)
	l.mu.Lock()
	if !l.connected {
		l.mu.Unlock()
		return errors.New("postgis: not listening for change notifications")
	}
	l.waiters = append(l.waiters, ch)
	if l.wake != nil {
		l.wake()
	}
	l.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Listener) setConnected(up bool) {
	l.mu.Lock()
	l.connected = up
	l.mu.Unlock()
}

func (l *Listener) releaseWaiters(err error) {
	l.mu.Lock()
	waiters := l.waiters
	l.waiters = nil
	l.mu.Unlock()
	l.release(waiters, err)
}

func (l *Listener) release(waiters []chan error, err error) {
	for _, ch := range waiters {
		ch <- err
	}
}

// changePayload is the JSON that netdata.notify_change sends.
type changePayload struct {
	Table  string       `json:"table"`
	Column string       `json:"column"`
	Op     string       `json:"op"`
	SRID   int          `json:"srid"`
	Old    [][4]float64 `json:"old"`
	New    [][4]float64 `json:"new"`
	All    bool         `json:"all"`
}

// ParseChange reads the payload of a change notification.
func ParseChange(payload string) (feature.ChangedArea, error) {
	var p changePayload
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return feature.ChangedArea{}, fmt.Errorf("postgis: change notification: %w", err)
	}
	if p.Table == "" || p.Column == "" {
		return feature.ChangedArea{}, errors.New("postgis: change notification without table or column")
	}
	c := feature.ChangedArea{Table: p.Table, Geometry: p.Column, SRID: p.SRID, All: p.All}
	if !p.All && p.SRID <= 0 {
		return feature.ChangedArea{}, errors.New("postgis: change notification without SRID")
	}
	for _, b := range append(p.Old, p.New...) {
		c.Boxes = append(c.Boxes, orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}})
	}
	return c, nil
}
