package filter

// PropertyNames returns the property names a filter refers to, in the order they appear,
// so that a protocol can check them against a layer before the query runs.
func PropertyNames(n Node) []string {
	var out []string
	var expr func(x Expr)
	expr = func(x Expr) {
		switch x := x.(type) {
		case Property:
			out = append(out, x.Name)
		case Function:
			for _, a := range x.Args {
				expr(a)
			}
		case Arithmetic:
			expr(x.Left)
			expr(x.Right)
		}
	}
	var node func(n Node)
	node = func(n Node) {
		switch n := n.(type) {
		case And:
			for _, c := range n.Children {
				node(c)
			}
		case Or:
			for _, c := range n.Children {
				node(c)
			}
		case Not:
			node(n.Child)
		case Compare:
			out = append(out, n.Property)
		case CompareExpr:
			expr(n.Left)
			expr(n.Right)
		case Like:
			out = append(out, n.Property)
		case LikeExpr:
			expr(n.Value)
		case IsNull:
			out = append(out, n.Property)
		case Between:
			out = append(out, n.Property)
		case BBox:
			if n.Property != "" {
				out = append(out, n.Property)
			}
		case Spatial:
			if n.Property != "" {
				out = append(out, n.Property)
			}
		case Distance:
			if n.Property != "" {
				out = append(out, n.Property)
			}
		case Temporal:
			out = append(out, n.Property)
		}
	}
	if n != nil {
		node(n)
	}
	return out
}
