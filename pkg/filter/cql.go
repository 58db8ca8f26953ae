package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

// CQLOptions set how CQL text is read.
type CQLOptions struct {
	// SRID is the EPSG code of geometry literals written without one: the layer's CRS
	// for the CQL_FILTER parameter, as GeoServer reads it. Coordinates of WKT literals
	// are always x/y.
	SRID int
	// CRS resolves the CRS names of BBOX(property, x1, y1, x2, y2, 'crs'). When nil, a
	// CRS name is rejected.
	CRS EnvelopeCRS
}

// ParseCQL reads a CQL2 text filter (OGC 21-065) into a filter tree, together with the
// forms of GeoServer's ECQL that users of its CQL_FILTER parameter write:
//
//   - logic: AND, OR, NOT, parentheses, TRUE, FALSE, INCLUDE, EXCLUDE;
//   - comparisons =, <>, !=, <, >, <=, >=, [NOT] LIKE and ILIKE (% and _ wildcards,
//     backslash escape), [NOT] BETWEEN, [NOT] IN (list), IS [NOT] NULL, CASEI(...);
//   - arithmetic + - * / and the functions of Functions;
//   - spatial: S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS,
//     S_CROSSES, S_CONTAINS (and the names without S_), BBOX(property, x1, y1, x2, y2
//     [, 'crs']), DWITHIN and BEYOND(property, geometry, distance, unit), with WKT
//     literals, EWKT (SRID=4326;POINT(2 48)), BBOX(x1, y1, x2, y2) and
//     ENVELOPE(x1, x2, y2, y1) geometries;
//   - temporal: T_AFTER, T_BEFORE, T_DURING, T_EQUALS, T_INTERSECTS, T_STARTS,
//     T_FINISHES with DATE('...'), TIMESTAMP('...') and INTERVAL('...', '...'), and
//     ECQL's "property AFTER|BEFORE|TEQUALS time" and "property DURING time/time";
//   - identifiers: IN ('duct.1', 'duct.2') selects features by id.
//
// Errors are InvalidParameterValue exceptions with locator "filter".
func ParseCQL(text string, opts CQLOptions) (Node, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &cqlParser{toks: toks, opts: opts}
	v, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, syntaxError(t.pos, "unexpected %s after the end of the filter", describe(t))
	}
	if v.node == nil {
		return nil, syntaxError(0, "the filter is a value, not a condition; compare it with something")
	}
	return v.node, nil
}

// ParseWKT reads a WKT or EWKT geometry; srid applies when the text names none.
func ParseWKT(text string, srid int) (geom.Geometry, error) {
	toks, err := lex(text)
	if err != nil {
		return geom.Geometry{}, err
	}
	p := &cqlParser{toks: toks, opts: CQLOptions{SRID: srid}}
	v, err := p.or(0)
	if err != nil {
		return geom.Geometry{}, err
	}
	if t := p.peek(); t.kind != tokEOF || v.geom == nil {
		return geom.Geometry{}, syntaxError(t.pos, "expected one WKT geometry")
	}
	return *v.geom, nil
}

func syntaxError(pos int, format string, args ...any) *ows.Exception {
	return invalidf("CQL syntax error at character %d: %s", pos+1, fmt.Sprintf(format, args...))
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of text"
	case tokString:
		return "string '" + truncateText(t.text) + "'"
	}
	return "'" + truncateText(t.text) + "'"
}

func truncateText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// cqlValue is the result of parsing a sub-expression: a condition, a scalar expression, a
// geometry, a time, or several of them (TRUE is a condition and a literal).
type cqlValue struct {
	node Node
	expr Expr
	geom *geom.Geometry
	time *timeSpan
	pos  int
}

type timeSpan struct {
	begin, end time.Time
	period     bool
	text       string
}

type cqlParser struct {
	toks []token
	i    int
	opts CQLOptions
}

func (p *cqlParser) peek() token { return p.toks[p.i] }

func (p *cqlParser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *cqlParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the identifier kw, in any case.
func (p *cqlParser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *cqlParser) acceptKeyword(kw string) bool {
	if p.keyword(kw) {
		p.i++
		return true
	}
	return false
}

func (p *cqlParser) punct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *cqlParser) expect(s string) error {
	if !p.punct(s) {
		t := p.peek()
		return syntaxError(t.pos, "expected '%s', found %s", s, describe(t))
	}
	p.i++
	return nil
}

func (p *cqlParser) depthCheck(depth int) error {
	if depth > maxNesting {
		return syntaxError(p.peek().pos, "the filter is nested deeper than %d levels", maxNesting)
	}
	return nil
}

func (p *cqlParser) condition(v cqlValue, what string) (Node, error) {
	if v.node == nil {
		return nil, syntaxError(v.pos, "%s needs a condition, found a value", what)
	}
	return v.node, nil
}

func (p *cqlParser) or(depth int) (cqlValue, error) {
	if err := p.depthCheck(depth); err != nil {
		return cqlValue{}, err
	}
	left, err := p.and(depth)
	if err != nil || !p.keyword("OR") {
		return left, err
	}
	first, err := p.condition(left, "OR")
	if err != nil {
		return cqlValue{}, err
	}
	kids := []Node{first}
	for p.acceptKeyword("OR") {
		right, err := p.and(depth)
		if err != nil {
			return cqlValue{}, err
		}
		n, err := p.condition(right, "OR")
		if err != nil {
			return cqlValue{}, err
		}
		kids = append(kids, n)
	}
	return cqlValue{node: Or{Children: kids}, pos: left.pos}, nil
}

func (p *cqlParser) and(depth int) (cqlValue, error) {
	left, err := p.not(depth)
	if err != nil || !p.keyword("AND") {
		return left, err
	}
	first, err := p.condition(left, "AND")
	if err != nil {
		return cqlValue{}, err
	}
	kids := []Node{first}
	for p.acceptKeyword("AND") {
		right, err := p.not(depth)
		if err != nil {
			return cqlValue{}, err
		}
		n, err := p.condition(right, "AND")
		if err != nil {
			return cqlValue{}, err
		}
		kids = append(kids, n)
	}
	return cqlValue{node: And{Children: kids}, pos: left.pos}, nil
}

func (p *cqlParser) not(depth int) (cqlValue, error) {
	pos := p.peek().pos
	if p.keyword("NOT") && !p.isPredicateKeyword(1) {
		p.i++
		if err := p.depthCheck(depth + 1); err != nil {
			return cqlValue{}, err
		}
		v, err := p.not(depth + 1)
		if err != nil {
			return cqlValue{}, err
		}
		n, err := p.condition(v, "NOT")
		if err != nil {
			return cqlValue{}, err
		}
		return cqlValue{node: Not{Child: n}, pos: pos}, nil
	}
	return p.predicate(depth)
}

// isPredicateKeyword reports whether the token n places ahead continues a predicate
// (NOT LIKE, NOT IN...), so that NOT there is not a logical negation.
func (p *cqlParser) isPredicateKeyword(n int) bool {
	t := p.peekAt(n)
	if t.kind != tokIdent {
		return false
	}
	switch strings.ToUpper(t.text) {
	case "LIKE", "ILIKE", "BETWEEN", "IN":
		return true
	}
	return false
}

var cqlCompareOps = map[string]CompareOp{
	"=": EqualTo, "<>": NotEqualTo, "!=": NotEqualTo, "<": LessThan, ">": GreaterThan,
	"<=": LessThanOrEqualTo, ">=": GreaterThanOrEqualTo,
}

func (p *cqlParser) predicate(depth int) (cqlValue, error) {
	// ECQL identifier filter: IN ('duct.1', 'duct.2').
	if p.keyword("IN") && p.peekAt(1).kind == tokPunct && p.peekAt(1).text == "(" {
		return p.idFilter()
	}
	left, err := p.additive(depth)
	if err != nil {
		return cqlValue{}, err
	}
	t := p.peek()
	if t.kind == tokPunct {
		if op, ok := cqlCompareOps[t.text]; ok {
			p.i++
			right, err := p.additive(depth)
			if err != nil {
				return cqlValue{}, err
			}
			l, err := p.scalar(left, t.text)
			if err != nil {
				return cqlValue{}, err
			}
			r, err := p.scalar(right, t.text)
			if err != nil {
				return cqlValue{}, err
			}
			return cqlValue{node: comparison(op, l, r, true), pos: left.pos}, nil
		}
		return left, nil
	}
	if t.kind != tokIdent {
		return left, nil
	}
	negate := false
	if strings.EqualFold(t.text, "NOT") && p.isPredicateKeyword(1) {
		negate = true
		p.i++
		t = p.peek()
	}
	var n Node
	switch strings.ToUpper(t.text) {
	case "LIKE", "ILIKE":
		p.i++
		n, err = p.like(left, strings.EqualFold(t.text, "ILIKE"))
	case "BETWEEN":
		p.i++
		n, err = p.between(left, depth)
	case "IN":
		p.i++
		n, err = p.in(left, depth)
	case "IS":
		p.i++
		not := p.acceptKeyword("NOT")
		if !p.acceptKeyword("NULL") {
			return cqlValue{}, syntaxError(p.peek().pos, "expected NULL after IS")
		}
		prop, ok := left.expr.(Property)
		if !ok {
			return cqlValue{}, syntaxError(left.pos, "IS NULL applies to a property")
		}
		n = IsNull{Property: prop.Name}
		if not {
			n = Not{Child: n}
		}
	case "AFTER", "BEFORE", "DURING", "TEQUALS":
		p.i++
		n, err = p.ecqlTemporal(left, strings.ToUpper(t.text))
	default:
		return left, nil
	}
	if err != nil {
		return cqlValue{}, err
	}
	if negate {
		n = Not{Child: n}
	}
	return cqlValue{node: n, pos: left.pos}, nil
}

// scalar returns the expression of v, or an error when v is a condition or a geometry.
func (p *cqlParser) scalar(v cqlValue, context string) (Expr, error) {
	if v.expr != nil {
		return v.expr, nil
	}
	if v.time != nil {
		return Literal{Value: v.time.text}, nil
	}
	return nil, syntaxError(v.pos, "'%s' needs a value on each side", context)
}

func (p *cqlParser) like(left cqlValue, insensitive bool) (Node, error) {
	value, err := p.scalar(left, "LIKE")
	if err != nil {
		return nil, err
	}
	pos := p.peek().pos
	pv, err := p.additive(0)
	if err != nil {
		return nil, err
	}
	pattern, ok := pv.expr.(Literal)
	if !ok {
		return nil, syntaxError(pos, "the pattern of LIKE must be a string")
	}
	matchCase := !insensitive
	// CASEI(property) LIKE CASEI('pattern') compares without case.
	if f, ok := value.(Function); ok && f.Name == "lower" && pv.expr != nil && p.caseFolded(pos) {
		value, matchCase = f.Args[0], false
	}
	if prop, ok := value.(Property); ok {
		return Like{Property: prop.Name, Pattern: pattern.Value, WildCard: "%", SingleChar: "_", EscapeChar: `\`, MatchCase: matchCase}, nil
	}
	return LikeExpr{Value: value, Pattern: pattern.Value, WildCard: "%", SingleChar: "_", EscapeChar: `\`, MatchCase: matchCase}, nil
}

// caseFolded reports whether the token at pos starts a CASEI call.
func (p *cqlParser) caseFolded(pos int) bool {
	for _, t := range p.toks {
		if t.pos == pos {
			return t.kind == tokIdent && strings.EqualFold(t.text, "CASEI")
		}
	}
	return false
}

func (p *cqlParser) between(left cqlValue, depth int) (Node, error) {
	value, err := p.scalar(left, "BETWEEN")
	if err != nil {
		return nil, err
	}
	lo, err := p.additive(depth)
	if err != nil {
		return nil, err
	}
	if !p.acceptKeyword("AND") {
		return nil, syntaxError(p.peek().pos, "expected AND in BETWEEN")
	}
	hi, err := p.additive(depth)
	if err != nil {
		return nil, err
	}
	l, err := p.scalar(lo, "BETWEEN")
	if err != nil {
		return nil, err
	}
	h, err := p.scalar(hi, "BETWEEN")
	if err != nil {
		return nil, err
	}
	return between(value, l, h), nil
}

func (p *cqlParser) in(left cqlValue, depth int) (Node, error) {
	value, err := p.scalar(left, "IN")
	if err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var kids []Node
	for {
		v, err := p.additive(depth)
		if err != nil {
			return nil, err
		}
		x, err := p.scalar(v, "IN")
		if err != nil {
			return nil, err
		}
		kids = append(kids, comparison(EqualTo, value, x, true))
		if !p.punct(",") {
			break
		}
		p.i++
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return Or{Children: kids}, nil
}

func (p *cqlParser) idFilter() (cqlValue, error) {
	pos := p.next().pos
	p.i++ // the '(' checked by the caller
	var ids []string
	for {
		t := p.next()
		if t.kind != tokString && t.kind != tokNumber {
			return cqlValue{}, syntaxError(t.pos, "IN (...) lists feature identifiers as strings, found %s", describe(t))
		}
		ids = append(ids, t.text)
		if !p.punct(",") {
			break
		}
		p.i++
	}
	if err := p.expect(")"); err != nil {
		return cqlValue{}, err
	}
	return cqlValue{node: ResourceID{IDs: ids}, pos: pos}, nil
}

func (p *cqlParser) ecqlTemporal(left cqlValue, op string) (Node, error) {
	prop, ok := left.expr.(Property)
	if !ok {
		return nil, syntaxError(left.pos, "%s applies to a property", op)
	}
	t := p.next()
	var span timeSpan
	switch t.kind {
	case tokTime, tokString:
		s, err := parseSpan(t)
		if err != nil {
			return nil, err
		}
		span = s
	default:
		return nil, syntaxError(t.pos, "%s needs a date or time, found %s", op, describe(t))
	}
	name := map[string]TemporalOp{"AFTER": After, "BEFORE": Before, "DURING": During, "TEQUALS": TEquals}[op]
	return temporalNode(name, prop.Name, span)
}

// parseSpan reads an instant or a period "begin/end" from a time or string token.
func parseSpan(t token) (timeSpan, error) {
	begin, end, isPeriod := strings.Cut(t.text, "/")
	b, ok := ParseTime(begin)
	if !ok {
		return timeSpan{}, syntaxError(t.pos, "%q is not an ISO 8601 date or time", begin)
	}
	s := timeSpan{begin: b, text: t.text}
	if isPeriod {
		e, ok := ParseTime(end)
		if !ok {
			return timeSpan{}, syntaxError(t.pos, "%q is not an ISO 8601 date or time", end)
		}
		s.end, s.period = e, true
	}
	return s, nil
}

func temporalNode(op TemporalOp, prop string, s timeSpan) (Node, error) {
	t := Temporal{Op: op, Property: prop, Begin: s.begin, End: s.end, Period: s.period}
	return checkTemporal(t)
}

func (p *cqlParser) additive(depth int) (cqlValue, error) {
	left, err := p.multiplicative(depth)
	if err != nil {
		return cqlValue{}, err
	}
	for p.punct("+") || p.punct("-") {
		op := ArithmeticOp(p.next().text)
		right, err := p.multiplicative(depth)
		if err != nil {
			return cqlValue{}, err
		}
		left, err = p.arithmetic(op, left, right)
		if err != nil {
			return cqlValue{}, err
		}
	}
	return left, nil
}

func (p *cqlParser) multiplicative(depth int) (cqlValue, error) {
	left, err := p.unary(depth)
	if err != nil {
		return cqlValue{}, err
	}
	for p.punct("*") || p.punct("/") {
		op := ArithmeticOp(p.next().text)
		right, err := p.unary(depth)
		if err != nil {
			return cqlValue{}, err
		}
		left, err = p.arithmetic(op, left, right)
		if err != nil {
			return cqlValue{}, err
		}
	}
	return left, nil
}

func (p *cqlParser) arithmetic(op ArithmeticOp, left, right cqlValue) (cqlValue, error) {
	l, err := p.scalar(left, string(op))
	if err != nil {
		return cqlValue{}, err
	}
	r, err := p.scalar(right, string(op))
	if err != nil {
		return cqlValue{}, err
	}
	return cqlValue{expr: Arithmetic{Op: op, Left: l, Right: r}, pos: left.pos}, nil
}

func (p *cqlParser) unary(depth int) (cqlValue, error) {
	if p.punct("-") || p.punct("+") {
		t := p.next()
		if err := p.depthCheck(depth + 1); err != nil {
			return cqlValue{}, err
		}
		v, err := p.unary(depth + 1)
		if err != nil {
			return cqlValue{}, err
		}
		if lit, ok := v.expr.(Literal); ok && isNumber(lit) {
			if t.text == "-" {
				lit.Value = negate(lit.Value)
			}
			return cqlValue{expr: lit, pos: t.pos}, nil
		}
		x, err := p.scalar(v, t.text)
		if err != nil {
			return cqlValue{}, err
		}
		if t.text == "+" {
			return cqlValue{expr: x, pos: t.pos}, nil
		}
		return cqlValue{expr: Arithmetic{Op: Sub, Left: Literal{Value: "0"}, Right: x}, pos: t.pos}, nil
	}
	return p.atom(depth)
}

func isNumber(x Expr) bool {
	l, ok := x.(Literal)
	if !ok {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(l.Value), 64)
	return err == nil
}

func negate(s string) string {
	if strings.HasPrefix(s, "-") {
		return s[1:]
	}
	return "-" + s
}

func (p *cqlParser) atom(depth int) (cqlValue, error) {
	t := p.peek()
	switch t.kind {
	case tokNumber:
		p.i++
		return cqlValue{expr: Literal{Value: t.text}, pos: t.pos}, nil
	case tokString:
		p.i++
		return cqlValue{expr: Literal{Value: t.text}, pos: t.pos}, nil
	case tokTime:
		p.i++
		s, err := parseSpan(t)
		if err != nil {
			return cqlValue{}, err
		}
		return cqlValue{time: &s, pos: t.pos}, nil
	case tokQuotedIdent:
		p.i++
		return cqlValue{expr: Property{Name: t.text}, pos: t.pos}, nil
	case tokPunct:
		if t.text != "(" {
			return cqlValue{}, syntaxError(t.pos, "unexpected %s", describe(t))
		}
		p.i++
		if err := p.depthCheck(depth + 1); err != nil {
			return cqlValue{}, err
		}
		v, err := p.or(depth + 1)
		if err != nil {
			return cqlValue{}, err
		}
		if err := p.expect(")"); err != nil {
			return cqlValue{}, err
		}
		return v, nil
	case tokEOF:
		return cqlValue{}, syntaxError(t.pos, "the filter ends too early")
	}
	// An identifier: a keyword, a call, or a property name.
	upper := strings.ToUpper(t.text)
	switch upper {
	case "TRUE", "FALSE":
		p.i++
		v := cqlValue{expr: Literal{Value: strings.ToLower(upper)}, pos: t.pos}
		if upper == "TRUE" {
			v.node = Include{}
		} else {
			v.node = Exclude{}
		}
		return v, nil
	case "INCLUDE":
		p.i++
		return cqlValue{node: Include{}, pos: t.pos}, nil
	case "EXCLUDE":
		p.i++
		return cqlValue{node: Exclude{}, pos: t.pos}, nil
	case "SRID":
		if p.peekAt(1).text == "=" && p.peekAt(2).kind == tokNumber && p.peekAt(3).text == ";" {
			return p.ewkt()
		}
	}
	if _, ok := wktTypes[upper]; ok && (p.peekAt(1).text == "(" || p.peekAt(1).kind == tokIdent) {
		g, err := p.wkt(p.opts.SRID, depth)
		if err != nil {
			return cqlValue{}, err
		}
		return cqlValue{geom: &g, pos: t.pos}, nil
	}
	if p.peekAt(1).kind == tokPunct && p.peekAt(1).text == "(" {
		return p.call(depth)
	}
	p.i++
	return cqlValue{expr: Property{Name: t.text}, pos: t.pos}, nil
}

// args reads the parenthesised, comma-separated arguments of a call.
func (p *cqlParser) args(depth int) ([]cqlValue, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	if err := p.depthCheck(depth + 1); err != nil {
		return nil, err
	}
	var out []cqlValue
	if p.punct(")") {
		p.i++
		return out, nil
	}
	for {
		v, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if !p.punct(",") {
			break
		}
		p.i++
	}
	return out, p.expect(")")
}

var cqlSpatial = map[string]SpatialOp{
	"INTERSECTS": Intersects, "EQUALS": Equals, "DISJOINT": Disjoint, "TOUCHES": Touches,
	"WITHIN": Within, "OVERLAPS": Overlaps, "CROSSES": Crosses, "CONTAINS": Contains,
}

var cqlTemporal = map[string]TemporalOp{
	"T_AFTER": After, "T_BEFORE": Before, "T_DURING": During, "T_EQUALS": TEquals,
	"T_INTERSECTS": AnyInteracts, "T_STARTS": Begins, "T_FINISHES": Ends,
}

func (p *cqlParser) call(depth int) (cqlValue, error) {
	name := p.next()
	upper := strings.ToUpper(name.text)
	args, err := p.args(depth)
	if err != nil {
		return cqlValue{}, err
	}
	if op, ok := cqlSpatial[strings.TrimPrefix(upper, "S_")]; ok {
		return p.spatialCall(name, op, args)
	}
	if op, ok := cqlTemporal[upper]; ok {
		return p.temporalCall(name, op, args)
	}
	switch upper {
	case "BBOX":
		return p.bboxCall(name, args)
	case "ENVELOPE":
		return p.envelopeCall(name, args)
	case "DWITHIN", "BEYOND", "S_DWITHIN":
		return p.distanceCall(name, upper == "BEYOND", args)
	case "DATE", "TIMESTAMP":
		if len(args) != 1 {
			return cqlValue{}, syntaxError(name.pos, "%s takes one string", upper)
		}
		lit, ok := args[0].expr.(Literal)
		if !ok {
			return cqlValue{}, syntaxError(name.pos, "%s takes one string", upper)
		}
		s, err := parseSpan(token{kind: tokString, text: lit.Value, pos: args[0].pos})
		if err != nil || s.period {
			return cqlValue{}, syntaxError(args[0].pos, "%q is not an ISO 8601 date or time", lit.Value)
		}
		return cqlValue{time: &s, pos: name.pos}, nil
	case "INTERVAL":
		if len(args) != 2 {
			return cqlValue{}, syntaxError(name.pos, "INTERVAL takes two dates or times")
		}
		var ends [2]time.Time
		for i, a := range args {
			switch {
			case a.time != nil && !a.time.period:
				ends[i] = a.time.begin
			case a.expr != nil:
				lit, ok := a.expr.(Literal)
				v, parsed := ParseTime(lit.Value)
				if !ok || !parsed {
					return cqlValue{}, syntaxError(a.pos, "INTERVAL takes two dates or times")
				}
				ends[i] = v
			default:
				return cqlValue{}, syntaxError(a.pos, "INTERVAL takes two dates or times")
			}
		}
		s := timeSpan{begin: ends[0], end: ends[1], period: true}
		return cqlValue{time: &s, pos: name.pos}, nil
	case "CASEI":
		if len(args) != 1 || args[0].expr == nil {
			return cqlValue{}, syntaxError(name.pos, "CASEI takes one value")
		}
		if lit, ok := args[0].expr.(Literal); ok {
			return cqlValue{expr: Literal{Value: strings.ToLower(lit.Value)}, pos: name.pos}, nil
		}
		return cqlValue{expr: Function{Name: "lower", Args: []Expr{args[0].expr}}, pos: name.pos}, nil
	}
	spec, ok := LookupFunction(name.text)
	if !ok {
		return cqlValue{}, invalidf("function %q is not supported; Filter_Capabilities lists the supported ones", name.text)
	}
	if len(args) != len(spec.Args) {
		return cqlValue{}, invalidf("function %s takes %d arguments, found %d", spec.Name, len(spec.Args), len(args))
	}
	f := Function{Name: spec.Name}
	for _, a := range args {
		x, err := p.scalar(a, spec.Name)
		if err != nil {
			return cqlValue{}, err
		}
		f.Args = append(f.Args, x)
	}
	return cqlValue{expr: f, pos: name.pos}, nil
}

// propertyAndGeometry finds the property and the geometry among two arguments in
// either order; swapped is true when the geometry comes first.
func propertyAndGeometry(name token, args []cqlValue) (prop string, g *geom.Geometry, swapped bool, err error) {
	if len(args) != 2 {
		return "", nil, false, syntaxError(name.pos, "%s takes a property and a geometry", strings.ToUpper(name.text))
	}
	a, b := args[0], args[1]
	if b.geom != nil {
		if pr, ok := a.expr.(Property); ok {
			return pr.Name, b.geom, false, nil
		}
	}
	if a.geom != nil {
		if pr, ok := b.expr.(Property); ok {
			return pr.Name, a.geom, true, nil
		}
	}
	return "", nil, false, syntaxError(name.pos, "%s takes a property and a geometry literal", strings.ToUpper(name.text))
}

func (p *cqlParser) spatialCall(name token, op SpatialOp, args []cqlValue) (cqlValue, error) {
	prop, g, swapped, err := propertyAndGeometry(name, args)
	if err != nil {
		return cqlValue{}, err
	}
	// With the geometry first, "geometry Within property" is "property Contains
	// geometry"; the other predicates are symmetric.
	if swapped {
		switch op {
		case Within:
			op = Contains
		case Contains:
			op = Within
		}
	}
	return cqlValue{node: Spatial{Op: op, Property: prop, Geometry: *g}, pos: name.pos}, nil
}

func (p *cqlParser) temporalCall(name token, op TemporalOp, args []cqlValue) (cqlValue, error) {
	if len(args) != 2 {
		return cqlValue{}, syntaxError(name.pos, "%s takes a property and a time", strings.ToUpper(name.text))
	}
	prop, ok := args[0].expr.(Property)
	if !ok {
		return cqlValue{}, syntaxError(args[0].pos, "%s takes a property first", strings.ToUpper(name.text))
	}
	s := args[1].time
	if s == nil {
		return cqlValue{}, syntaxError(args[1].pos, "%s needs DATE(...), TIMESTAMP(...) or INTERVAL(...)", strings.ToUpper(name.text))
	}
	n, err := temporalNode(op, prop.Name, *s)
	if err != nil {
		return cqlValue{}, err
	}
	return cqlValue{node: n, pos: name.pos}, nil
}

func numberArg(v cqlValue) (float64, bool) {
	lit, ok := v.expr.(Literal)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(lit.Value), 64)
	return f, err == nil && f == f && f < 1e300 && f > -1e300
}

// bboxCall reads BBOX(property, x1, y1, x2, y2 [, 'crs']) as a BBOX predicate (ECQL),
// and BBOX(x1, y1, x2, y2) as a rectangle geometry (CQL2).
func (p *cqlParser) bboxCall(name token, args []cqlValue) (cqlValue, error) {
	if len(args) == 4 {
		var c [4]float64
		for i, a := range args {
			v, ok := numberArg(a)
			if !ok {
				return cqlValue{}, syntaxError(a.pos, "BBOX takes four numbers")
			}
			c[i] = v
		}
		g, err := rectangle(name, c, p.opts.SRID)
		if err != nil {
			return cqlValue{}, err
		}
		return cqlValue{geom: &g, pos: name.pos}, nil
	}
	if len(args) != 5 && len(args) != 6 {
		return cqlValue{}, syntaxError(name.pos, "BBOX takes a property, four numbers and an optional CRS")
	}
	prop, ok := args[0].expr.(Property)
	if !ok {
		return cqlValue{}, syntaxError(args[0].pos, "BBOX takes a property first")
	}
	var c [4]float64
	for i, a := range args[1:5] {
		v, ok := numberArg(a)
		if !ok {
			return cqlValue{}, syntaxError(a.pos, "BBOX takes four numbers after the property")
		}
		c[i] = v
	}
	srid := p.opts.SRID
	if len(args) == 6 {
		lit, ok := args[5].expr.(Literal)
		if !ok || p.opts.CRS == nil {
			return cqlValue{}, syntaxError(args[5].pos, "the CRS of BBOX must be a string such as 'EPSG:4326'")
		}
		s, swap, err := p.opts.CRS(lit.Value)
		if err != nil {
			return cqlValue{}, err
		}
		if swap {
			c[0], c[1], c[2], c[3] = c[1], c[0], c[3], c[2]
		}
		srid = s
	}
	if c[0] > c[2] || c[1] > c[3] {
		return cqlValue{}, invalidf("the lower corner of BBOX is above or right of its upper corner")
	}
	return cqlValue{node: BBox{Property: prop.Name, MinX: c[0], MinY: c[1], MaxX: c[2], MaxY: c[3], SRID: srid}, pos: name.pos}, nil
}

// envelopeCall reads ECQL's ENVELOPE(west, east, north, south).
func (p *cqlParser) envelopeCall(name token, args []cqlValue) (cqlValue, error) {
	if len(args) != 4 {
		return cqlValue{}, syntaxError(name.pos, "ENVELOPE takes four numbers: west, east, north, south")
	}
	var c [4]float64
	for i, a := range args {
		v, ok := numberArg(a)
		if !ok {
			return cqlValue{}, syntaxError(a.pos, "ENVELOPE takes four numbers")
		}
		c[i] = v
	}
	g, err := rectangle(name, [4]float64{c[0], c[3], c[1], c[2]}, p.opts.SRID)
	if err != nil {
		return cqlValue{}, err
	}
	return cqlValue{geom: &g, pos: name.pos}, nil
}

func rectangle(name token, c [4]float64, srid int) (geom.Geometry, error) {
	if c[0] > c[2] || c[1] > c[3] {
		return geom.Geometry{}, syntaxError(name.pos, "the lower corner of %s is above or right of its upper corner", strings.ToUpper(name.text))
	}
	ring := geom.Geometry{Type: geom.Ring, Coords: []float64{c[0], c[1], c[2], c[1], c[2], c[3], c[0], c[3], c[0], c[1]}}
	return geom.Geometry{Type: geom.Polygon, SRID: srid, Parts: []geom.Geometry{ring}}, nil
}

// distanceCall reads DWITHIN(property, geometry, distance, unit) and BEYOND(...). The
// unit is a name (meters, kilometers, feet, 'statute miles', 'nautical miles', m, km,
// deg...), written bare or as a string.
func (p *cqlParser) distanceCall(name token, beyond bool, args []cqlValue) (cqlValue, error) {
	if len(args) != 4 {
		return cqlValue{}, syntaxError(name.pos, "%s takes a property, a geometry, a distance and a unit", strings.ToUpper(name.text))
	}
	prop, g, _, err := propertyAndGeometry(name, args[:2])
	if err != nil {
		return cqlValue{}, err
	}
	dist, ok := numberArg(args[2])
	if !ok || dist < 0 {
		return cqlValue{}, syntaxError(args[2].pos, "the distance must be a non-negative number")
	}
	var unitName string
	switch u := args[3].expr.(type) {
	case Property:
		unitName = u.Name
	case Literal:
		unitName = u.Value
	default:
		return cqlValue{}, syntaxError(args[3].pos, "the unit must be a name such as meters or kilometers")
	}
	unit, factor, ok := ParseUnit(unitName)
	if !ok || unitName == "" {
		return cqlValue{}, invalidf("unit of measure %q is not supported; use meters, kilometers, feet, statute miles, nautical miles or degrees", unitName)
	}
	d := Distance{Beyond: beyond, Property: prop, Geometry: *g, Value: dist * factor, Unit: unit}
	return cqlValue{node: d, pos: name.pos}, nil
}

func (p *cqlParser) ewkt() (cqlValue, error) {
	pos := p.next().pos // SRID
	p.i++               // '='
	n := p.next()
	p.i++ // ';'
	srid, err := strconv.Atoi(n.text)
	if err != nil || srid <= 0 {
		return cqlValue{}, syntaxError(n.pos, "SRID=%s is not a valid EPSG code", n.text)
	}
	if p.opts.CRS != nil {
		if _, _, err := p.opts.CRS("EPSG:" + n.text); err != nil {
			return cqlValue{}, err
		}
	}
	t := p.peek()
	if _, ok := wktTypes[strings.ToUpper(t.text)]; !ok || t.kind != tokIdent {
		return cqlValue{}, syntaxError(t.pos, "expected a WKT geometry after SRID=%d;", srid)
	}
	g, err := p.wkt(srid, 0)
	if err != nil {
		return cqlValue{}, err
	}
	return cqlValue{geom: &g, pos: pos}, nil
}
