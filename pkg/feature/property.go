package feature

import "strings"

// Property resolves a property name of a filter or a request: a field's XML or column
// name, with or without a namespace prefix, optionally after the type name as a first
// step (duct/code, net:duct/net:code). geometry is true for the layer's geometry.
func (l *Layer) Property(name string) (f *Field, geometry bool, ok bool) {
	steps := strings.Split(strings.TrimPrefix(strings.TrimSpace(name), "/"), "/")
	for i, s := range steps {
		if j := strings.IndexByte(s, ':'); j >= 0 {
			steps[i] = s[j+1:]
		}
	}
	if len(steps) == 2 && steps[0] == l.Name {
		steps = steps[1:]
	}
	local := strings.Join(steps, "/")
	if l.IsGeometry(local) {
		return nil, true, true
	}
	f, ok = l.Field(local)
	return f, false, ok
}
