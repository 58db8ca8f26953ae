package postgis

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// nullText is the marker normaliseValue returns for a value stored as NULL, such as an
// empty element for a column whose type has no empty form.
const nullText = "\x00null"

var (
	decimalSyntax = regexp.MustCompile(`^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$`)
	uuidSyntax    = regexp.MustCompile(`^(?i)\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$`)
	slashedDate   = regexp.MustCompile(`^(\d{4})/(\d{2})/(\d{2})`)
)

// normaliseValue checks a request value against the column type and returns the text
// PostgreSQL reads for it. It accepts the spellings clients send whose meaning is
// unambiguous: dates with slashes (2024/05/31, as GDAL writes them), a date-time at
// midnight for a date, booleans as true/false, 1/0 or t/f, and an empty element as NULL
// for a non-text column. It returns nullText for a value stored as NULL.
func normaliseValue(c *writeColumn, raw string) (string, error) {
	if strings.HasPrefix(c.typName, "_") {
		return normaliseArray(raw)
	}
	switch c.typName {
	case "text", "varchar", "bpchar", "name", "citext":
		if !utf8.ValidString(raw) {
			return "", fmt.Errorf("is not valid UTF-8 text")
		}
		if strings.ContainsRune(raw, 0) {
			return "", fmt.Errorf("contains a NUL character, which PostgreSQL text cannot hold")
		}
		if c.maxLength > 0 && utf8.RuneCountInString(raw) > c.maxLength {
			return "", fmt.Errorf("is %d characters long; the maximum is %d", utf8.RuneCountInString(raw), c.maxLength)
		}
		return raw, nil
	}
	t := strings.TrimSpace(raw)
	if t == "" {
		return nullText, nil
	}
	switch c.typName {
	case "int2", "int4", "int8":
		bits := map[string]int{"int2": 16, "int4": 32, "int8": 64}[c.typName]
		v, err := strconv.ParseInt(t, 10, bits)
		if err != nil {
			// Integral values written as decimals (12.0) are unambiguous.
			f, ferr := strconv.ParseFloat(t, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > math.Pow(2, float64(bits-1)) {
				return "", fmt.Errorf("is not an integer of %d bits", bits)
			}
			v = int64(f)
		}
		return strconv.FormatInt(v, 10), nil
	case "numeric":
		return normaliseDecimal(c, t)
	case "float4", "float8":
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("is not a finite number")
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case "bool":
		switch strings.ToLower(t) {
		case "true", "1", "t":
			return "true", nil
		case "false", "0", "f":
			return "false", nil
		}
		return "", fmt.Errorf("is not a boolean; use true or false")
	case "date":
		return normaliseDate(t)
	case "timestamp", "timestamptz":
		return normaliseDateTime(t)
	case "uuid":
		if !uuidSyntax.MatchString(t) {
			return "", fmt.Errorf("is not a UUID")
		}
		return t, nil
	case "json", "jsonb":
		if !json.Valid([]byte(t)) {
			return "", fmt.Errorf("is not valid JSON")
		}
		return t, nil
	}
	return raw, nil
}

func normaliseDecimal(c *writeColumn, t string) (string, error) {
	if !decimalSyntax.MatchString(t) {
		return "", fmt.Errorf("is not a decimal number (use a dot as the decimal separator)")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(v, 0) {
		return "", fmt.Errorf("is out of range")
	}
	if c.precision > 0 {
		// numeric(p,s) rounds to s decimals and holds at most p-s digits before the point.
		limit := math.Pow10(c.precision - c.scale)
		rounded := math.Round(v*math.Pow10(c.scale)) / math.Pow10(c.scale)
		if math.Abs(rounded) >= limit {
			return "", fmt.Errorf("is out of range: the column accepts numbers below %s with %d decimals", strconv.FormatFloat(limit, 'f', -1, 64), c.scale)
		}
	}
	return t, nil
}

// dateOnly matches a date with an optional time zone (xsd:date allows one); the zone
// does not change the calendar date.
var dateOnly = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$`)

// midnight matches a date-time whose time is 00:00:00, as clients write dates held in
// date-time fields.
var midnight = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}:\d{2})?$`)

func normaliseDate(t string) (string, error) {
	t = slashedDate.ReplaceAllString(t, "$1-$2-$3")
	var day string
	if m := dateOnly.FindStringSubmatch(t); m != nil {
		day = m[1]
	} else if m := midnight.FindStringSubmatch(t); m != nil {
		day = m[1]
	} else {
		return "", fmt.Errorf("is not a date; use YYYY-MM-DD")
	}
	d, err := time.Parse("2006-01-02", day)
	if err != nil || d.Year() < 1 {
		return "", fmt.Errorf("is not a valid calendar date")
	}
	return day, nil
}

var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
}

// normaliseDateTime reads an xsd:dateTime, with a space for the T and slashes in the
// date accepted. A value without a UTC offset is stored as written, which PostgreSQL
// reads in the session time zone (UTC for this server). A date alone means midnight.
func normaliseDateTime(t string) (string, error) {
	t = slashedDate.ReplaceAllString(t, "$1-$2-$3")
	if m := dateOnly.FindStringSubmatch(t); m != nil {
		if _, err := time.Parse("2006-01-02", m[1]); err != nil {
			return "", fmt.Errorf("is not a valid calendar date")
		}
		return m[1] + "T00:00:00", nil
	}
	for _, layout := range dateTimeLayouts {
		if d, err := time.Parse(layout, t); err == nil {
			if strings.HasSuffix(layout, "Z07:00") {
				return d.Format(time.RFC3339Nano), nil
			}
			return d.Format("2006-01-02T15:04:05.999999999"), nil
		}
	}
	return "", fmt.Errorf("is not a date-time; use YYYY-MM-DDThh:mm:ss with an optional offset")
}

// normaliseArray accepts a PostgreSQL array literal ({a,b}); its elements are checked
// by the cast to the column type.
func normaliseArray(raw string) (string, error) {
	t := strings.TrimSpace(raw)
	if t == "" {
		return nullText, nil
	}
	if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
		return "", fmt.Errorf("is not an array literal; write {value1,value2}")
	}
	return t, nil
}
