package filter

// Expr is a value expression of a filter: a property, a literal, a function call or an
// arithmetic operation.
type Expr interface{ isExpr() }

// Property is a reference to a feature property by name (fes:ValueReference,
// ogc:PropertyName, a CQL2 property name). The name may carry a namespace prefix and
// the type name as a first step (net:duct/net:code); the compiler resolves it against
// the layer's fields.
type Property struct{ Name string }

// Literal is a literal value as written in the request. The compiler converts it to the
// type of the expression it is compared with.
type Literal struct{ Value string }

// Function calls one of the functions listed in Functions.
type Function struct {
	Name string
	Args []Expr
}

// ArithmeticOp is an arithmetic operator of Filter 1.x and CQL2.
type ArithmeticOp string

// The arithmetic operators.
const (
	Add ArithmeticOp = "+"
	Sub ArithmeticOp = "-"
	Mul ArithmeticOp = "*"
	Div ArithmeticOp = "/"
)

// Arithmetic applies an arithmetic operator to two numeric expressions.
type Arithmetic struct {
	Op          ArithmeticOp
	Left, Right Expr
}

func (Property) isExpr()   {}
func (Literal) isExpr()    {}
func (Function) isExpr()   {}
func (Arithmetic) isExpr() {}

// CompareExpr compares two expressions. Parsers produce the simpler Compare when the
// operands are a property and a literal, and CompareExpr for every other pair (a
// function of a property, arithmetic, two properties).
type CompareExpr struct {
	Op          CompareOp
	Left, Right Expr
	MatchCase   bool
}

// LikeExpr matches an expression other than a bare property (lower(name), for example)
// against a pattern, with the same rules as Like.
type LikeExpr struct {
	Value      Expr
	Pattern    string
	WildCard   string
	SingleChar string
	EscapeChar string
	MatchCase  bool
}

func (CompareExpr) isNode() {}
func (LikeExpr) isNode()    {}

// Include selects every feature (CQL INCLUDE, TRUE) and Exclude none (EXCLUDE, FALSE).
type (
	Include struct{}
	Exclude struct{}
)

func (Include) isNode() {}
func (Exclude) isNode() {}

// flip returns the operator that gives the same result with the operands exchanged.
func (op CompareOp) flip() CompareOp {
	switch op {
	case LessThan:
		return GreaterThan
	case GreaterThan:
		return LessThan
	case LessThanOrEqualTo:
		return GreaterThanOrEqualTo
	case GreaterThanOrEqualTo:
		return LessThanOrEqualTo
	}
	return op
}

// comparison builds the node for "left op right": a Compare when the operands are a
// property and a literal in either order, else a CompareExpr.
func comparison(op CompareOp, left, right Expr, matchCase bool) Node {
	if p, ok := left.(Property); ok {
		if l, ok := right.(Literal); ok {
			return Compare{Op: op, Property: p.Name, Literal: l.Value, MatchCase: matchCase}
		}
	}
	if l, ok := left.(Literal); ok {
		if p, ok := right.(Property); ok {
			return Compare{Op: op.flip(), Property: p.Name, Literal: l.Value, MatchCase: matchCase}
		}
	}
	return CompareExpr{Op: op, Left: left, Right: right, MatchCase: matchCase}
}

// between builds "value BETWEEN lower AND upper": a Between node for a property and two
// literals, else the equivalent pair of comparisons.
func between(value, lower, upper Expr) Node {
	p, isProp := value.(Property)
	lo, loLit := lower.(Literal)
	hi, hiLit := upper.(Literal)
	if isProp && loLit && hiLit {
		return Between{Property: p.Name, Lower: lo.Value, Upper: hi.Value}
	}
	return And{Children: []Node{
		comparison(GreaterThanOrEqualTo, value, lower, true),
		comparison(LessThanOrEqualTo, value, upper, true),
	}}
}
