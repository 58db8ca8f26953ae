package filter

import (
	"strings"
	"time"
)

// TemporalOp is a temporal operator of FES 2.0.
type TemporalOp string

// The temporal operators that have a meaning for a date or timestamp property, which is
// a time instant: its relation to an instant or a period of the request.
const (
	After        TemporalOp = "After"
	Before       TemporalOp = "Before"
	Begins       TemporalOp = "Begins"
	Ends         TemporalOp = "Ends"
	During       TemporalOp = "During"
	TEquals      TemporalOp = "TEquals"
	AnyInteracts TemporalOp = "AnyInteracts"
)

// Temporal relates a date or timestamp property to a time instant (Begin, with Period
// false) or a period from Begin to End. Times are in UTC.
type Temporal struct {
	Op       TemporalOp
	Property string
	Begin    time.Time
	End      time.Time
	Period   bool
}

func (Temporal) isNode() {}

// timeLayouts are the ISO 8601 forms accepted for time positions, tried in order. A
// time without a zone is read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02Z07:00",
	"2006-01-02",
}

// ParseTime reads an ISO 8601 date or date-time.
func ParseTime(s string) (time.Time, bool) {
	t := strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, t); err == nil {
			return v.UTC(), true
		}
	}
	return time.Time{}, false
}

// checkTemporal rejects the combinations of operator and operand that have no meaning
// for an instant property.
func checkTemporal(t Temporal) (Temporal, error) {
	switch t.Op {
	case Begins, Ends, During:
		if !t.Period {
			return t, invalidf("%s needs a time period (gml:TimePeriod) to compare the property with", t.Op)
		}
	case TEquals:
		if t.Period {
			return t, invalidf("TEquals compares an instant property with a time instant, not a period")
		}
	}
	if t.Period && t.End.Before(t.Begin) {
		return t, invalidf("the time period ends before it begins")
	}
	return t, nil
}
