package feature

import (
	"context"

	"github.com/fourreau/fourreau/pkg/filter"
)

// ActionKind is the kind of a transaction action.
type ActionKind int

// The actions of a WFS Transaction. Replace exists in WFS 2.0 only.
const (
	ActionInsert ActionKind = iota + 1
	ActionUpdate
	ActionDelete
	ActionReplace
)

func (k ActionKind) String() string {
	switch k {
	case ActionInsert:
		return "Insert"
	case ActionUpdate:
		return "Update"
	case ActionDelete:
		return "Delete"
	case ActionReplace:
		return "Replace"
	}
	return "unknown action"
}

// IDGen is the idgen option of an Insert action (WFS 1.1; accepted in 2.0 as well).
type IDGen int

// Identifier generation options. Keys are integer identity columns, so UseExisting and
// ReplaceDuplicate take the key from the feature id the client wrote (duct.42 gives 42).
const (
	// GenerateNew lets the database draw a new key; a client id is ignored.
	GenerateNew IDGen = iota
	// UseExisting stores the client's key, and fails when a feature already has it.
	UseExisting
	// ReplaceDuplicate stores the client's key, replacing the feature that has it.
	ReplaceDuplicate
)

// Geometry is a geometry read from a request, as PostGIS extended WKB carrying the SRID,
// with x/y axis order (easting or longitude first).
type Geometry struct {
	// WKB is the extended WKB that ST_GeomFromEWKB reads.
	WKB  []byte
	SRID int
	// HasZ is true when every position carries a Z value.
	HasZ bool
}

// Value is a property value as the request wrote it. The store checks it against the
// field's type.
type Value struct {
	Null bool
	Text string
}

// Property is one attribute value of a new feature.
type Property struct {
	Field *Field
	Value Value
}

// NewFeature is a feature to insert, or the new state of a replaced feature.
type NewFeature struct {
	// ID is the identifier the client wrote (gml:id or fid), "" when it wrote none.
	ID string
	// Index is the 1-based position of the feature in its action, for error reports.
	Index int
	// Properties are the attributes the client wrote; the others get their defaults.
	Properties []Property
	// Geometry is nil when the client wrote no geometry or an explicitly empty one.
	Geometry *Geometry
}

// PropertyUpdate is the change an Update makes to one property: a new value, NULL
// (Value.Null), or the removal of the property, which stores NULL as well.
type PropertyUpdate struct {
	// Field is the attribute changed; nil when the geometry is.
	Field    *Field
	Value    Value
	Geometry *Geometry
	Remove   bool
}

// Action is one Insert, Update, Delete or Replace of a transaction.
type Action struct {
	Kind   ActionKind
	Handle string
	Layer  *Layer
	IDGen  IDGen
	// Features are the features to insert (Insert) or the replacement (Replace).
	Features []*NewFeature
	// Filter selects the features of an Update, Delete or Replace; never nil for those.
	Filter  filter.Node
	Updates []PropertyUpdate
}

// Transaction is a whole WFS Transaction request, applied all or nothing.
type Transaction struct {
	Version string
	Handle  string
	// LockID and ReleaseAll carry the lockId and releaseAction (ALL when true) attributes.
	LockID     string
	ReleaseAll bool
	// UserAgent is the client's HTTP User-Agent, recorded as the software of a submission.
	UserAgent string
	Actions   []*Action
}

// InsertedFeature is the key of one feature written by an Insert or Replace action.
type InsertedFeature struct {
	Handle string
	Layer  *Layer
	Key    int64
}

// TxResult is the outcome of a committed transaction.
type TxResult struct {
	// Inserted lists the new features in the order of the request.
	Inserted []InsertedFeature
	// Replaced lists the features that Replace actions (and ReplaceDuplicate inserts of
	// an existing key) wrote over, in the order of the request.
	Replaced []InsertedFeature
	Updated  int64
	Deleted  int64
}

// Writer applies transactions. The PostGIS store implements it.
type Writer interface {
	// Transact applies every action of t in one database transaction, calling hooks at
	// each step. An error leaves the data unchanged.
	Transact(ctx context.Context, t *Transaction, hooks TxHooks) (*TxResult, error)
}

// Change is a set of features that one action changes, as the hooks see it.
type Change struct {
	Action *Action
	// Kind is the change made to these features. It differs from Action.Kind for a
	// ReplaceDuplicate insert of existing keys, which replaces them.
	Kind ActionKind
	Keys []int64
}

// Stamp holds column values, as text, that the store writes on every inserted feature
// whatever the client sent (the owner organisation, the submission id). Columns that a
// layer lacks are skipped.
type Stamp map[string]string

// TxRow reads one result row.
type TxRow interface {
	Scan(dest ...any) error
}

// TxRows reads the rows of a query.
type TxRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// TxDB runs SQL in the database transaction of a Transaction request, so that what hooks
// write commits or rolls back with the features.
type TxDB interface {
	Exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	QueryRow(ctx context.Context, sql string, args ...any) TxRow
	Query(ctx context.Context, sql string, args ...any) (TxRows, error)
}

// TxHooks lets access control and history take part in a transaction. Every method but
// Abort runs inside the database transaction. An error from any of them rolls it back
// and reaches the client, so hooks return an *ows.Exception for failures the client
// caused, with its HTTP status (401 or 403 for access control).
type TxHooks interface {
	// Begin runs before the first action. It may reject the whole transaction, and it
	// returns the values stamped on inserted features (nil for none).
	Begin(ctx context.Context, db TxDB, t *Transaction) (Stamp, error)
	// BeforeChange runs before an Update, Delete or Replace changes existing features,
	// once they are locked (SELECT ... FOR UPDATE), with their keys.
	BeforeChange(ctx context.Context, db TxDB, c *Change) error
	// AfterChange runs once an Insert, Update or Replace has written its features and
	// they passed validation, with their keys.
	AfterChange(ctx context.Context, db TxDB, c *Change) error
	// Finish runs after the last action, before the commit.
	Finish(ctx context.Context, db TxDB, t *Transaction, r *TxResult) error
	// Abort runs after a failed transaction was rolled back, outside any database
	// transaction, with the error sent to the client.
	Abort(ctx context.Context, t *Transaction, err error)
}

// NoHooks is the TxHooks that allows everything and records nothing.
type NoHooks struct{}

// Begin implements TxHooks.
func (NoHooks) Begin(context.Context, TxDB, *Transaction) (Stamp, error) { return nil, nil }

// BeforeChange implements TxHooks.
func (NoHooks) BeforeChange(context.Context, TxDB, *Change) error { return nil }

// AfterChange implements TxHooks.
func (NoHooks) AfterChange(context.Context, TxDB, *Change) error { return nil }

// Finish implements TxHooks.
func (NoHooks) Finish(context.Context, TxDB, *Transaction, *TxResult) error { return nil }

// Abort implements TxHooks.
func (NoHooks) Abort(context.Context, *Transaction, error) {}
