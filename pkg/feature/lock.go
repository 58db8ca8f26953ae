package feature

import (
	"context"
	"time"
)

// LockRequest asks to lock the features that queries select (WFS LockFeature and
// GetFeatureWithLock), or to renew an existing lock.
type LockRequest struct {
	// Queries select the features; their Layer, Filter, SortBy, Offset and Limit are used.
	Queries []*Query
	// Expiry is how long the lock holds unless a transaction releases it.
	Expiry time.Duration
	// All is lockAction=ALL: lock every selected feature or none.
	All bool
	// LockID, when set, names an existing lock whose expiry is restarted; Queries are
	// then ignored.
	LockID string
	// PartnerID is the partner taking the lock. A partner locks only features its
	// organisation OrgID may change; AnyFeature (administrators) lifts that rule.
	PartnerID  int64
	OrgID      int64
	AnyFeature bool
}

// FeatureRef names one feature.
type FeatureRef struct {
	Layer *Layer
	Key   int64
}

// LockResult is the outcome of a lock request.
type LockResult struct {
	LockID string
	// Locked are the features the lock holds, NotLocked the selected ones it could not
	// take: locked by another lock, or not changeable by the caller.
	Locked    []FeatureRef
	NotLocked []FeatureRef
}

// Locker takes WFS feature locks. The PostGIS package implements it.
type Locker interface {
	// Lock locks the features of r. With r.All, a feature that cannot be locked fails
	// the whole request and nothing is locked.
	Lock(ctx context.Context, r *LockRequest) (*LockResult, error)
}
