package wfs

import (
	"fmt"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// Namespaces of the elements a transaction may contain. Actions are matched by local
// name in either WFS namespace, since clients keep the 1.x namespace after
// negotiating 2.0.
const (
	nsGML32 = "http://www.opengis.net/gml/3.2"
	nsGML   = "http://www.opengis.net/gml"
	nsXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// txParser reads one Transaction document.
type txParser struct {
	s       *Service
	version string
	t       *feature.Transaction
	// srs is the srsName of the Transaction element (WFS 2.0), which applies to the
	// geometries without their own.
	srs      crs.Name
	srsGiven bool
	// index counts the actions of the request, for messages.
	index int
}

// parseTransactionXML reads a wfs:Transaction of any version into req.transaction.
//
// A Transaction in the WFS 1.x namespace with version="2.0.0", as GDAL 3.6 writes
// after negotiating 2.0, is written in the 1.1 dialect throughout (GML 3.1, ogc:Filter),
// and GDAL reads the new ids only from a 1.1 response (ogc:FeatureId/@fid). Such a
// request is therefore read and answered as WFS 1.1.
func (s *Service) parseTransactionXML(req *request, doc *ows.Element) error {
	if req.version == V200 && doc.Space == "http://www.opengis.net/wfs" {
		req.version = V110
	}
	t := &feature.Transaction{Version: req.version, ReleaseAll: true}
	t.Handle, _ = doc.AttrValue("handle")
	t.LockID, _ = doc.AttrValue("lockId")
	if t.LockID == "" {
		if c := doc.Child("LockId"); c != nil {
			t.LockID = c.TrimText() // WFS 1.0 and 1.1 send the lock as an element
		}
	}
	switch v, _ := doc.AttrValue("releaseAction"); strings.ToUpper(strings.TrimSpace(v)) {
	case "", "ALL":
	case "SOME":
		t.ReleaseAll = false
	default:
		return ows.Errorf(ows.InvalidParameterValue, "releaseAction", "releaseAction=%q is not ALL or SOME", v)
	}
	p := &txParser{s: s, version: req.version, t: t}
	if v, ok := doc.AttrValue("srsName"); ok && strings.TrimSpace(v) != "" {
		n, err := s.parseCRS(v, "srsName")
		if err != nil {
			return err
		}
		p.srs, p.srsGiven = n, true
	}
	for _, c := range doc.Children {
		p.index++
		var err error
		switch c.Local {
		case "LockId":
			p.index--
		case "Insert":
			err = p.insert(c)
		case "Update":
			err = p.update(c)
		case "Delete":
			err = p.delete(c)
		case "Replace":
			err = p.replace(c)
		case "Native":
			err = p.native(c)
		default:
			err = ows.Errorf(ows.OperationParsingFailed, t.Handle, "unexpected element %s in Transaction; the actions are Insert, Update, Delete, Replace and Native", c.Local)
		}
		if err != nil {
			return err
		}
	}
	// A Transaction without actions is valid in every version and changes nothing.
	req.transaction = t
	return nil
}

// where returns the name of an action for messages, and the locator of its exceptions:
// its handle, or the transaction's.
func (p *txParser) where(kind, handle string) (text, locator string) {
	locator = handle
	if locator == "" {
		locator = p.t.Handle
	}
	if handle != "" {
		return fmt.Sprintf("%s %q", kind, handle), locator
	}
	return fmt.Sprintf("%s (action %d)", kind, p.index), locator
}

// fail returns an exception located at an action.
func (p *txParser) fail(code, kind, handle, format string, args ...any) *ows.Exception {
	text, locator := p.where(kind, handle)
	return &ows.Exception{Code: code, Locator: locator, Text: text + ": " + fmt.Sprintf(format, args...)}
}

// locate prefixes an exception raised inside an action with the action, and sets its
// locator to the action's handle.
func (p *txParser) locate(err error, kind, handle string, index int) error {
	e, ok := err.(*ows.Exception)
	if !ok {
		return err
	}
	text, locator := p.where(kind, handle)
	if index > 0 {
		text += fmt.Sprintf(", feature %d", index)
	}
	out := *e
	out.Text = text + ": " + e.Text
	if out.Locator == "" || out.Locator == "filter" || out.Locator == "srsName" {
		out.Locator = locator
	}
	return &out
}

// defaultCRS returns the CRS of the geometries of an action that names none: the
// action's srsName, the Transaction's, or the layer's CRS (in the URN spelling that WFS
// 1.1 and 2.0 capabilities advertise, or x/y for WFS 1.0).
func (p *txParser) defaultCRS(e *ows.Element, l *feature.Layer) (crs.Name, error) {
	if v, ok := e.AttrValue("srsName"); ok && strings.TrimSpace(v) != "" {
		return p.s.parseCRS(v, "srsName")
	}
	if p.srsGiven {
		return p.srs, nil
	}
	if p.version == V100 {
		return crs.Name{SRID: l.SRID, Form: crs.FormShort}, nil
	}
	return crs.Name{SRID: l.SRID, Form: crs.FormURN}, nil
}

// checkInputFormat accepts the GML input formats of every version.
func (p *txParser) checkInputFormat(e *ows.Element, kind, handle string) error {
	v, ok := e.AttrValue("inputFormat")
	v = strings.ToLower(strings.TrimSpace(v))
	if !ok || v == "" || strings.Contains(v, "gml") || strings.HasPrefix(v, "text/xml") || strings.HasPrefix(v, "application/xml") {
		return nil
	}
	return p.fail(ows.InvalidParameterValue, kind, handle, "inputFormat %q is not supported; send GML", v)
}

// insert reads an Insert action. Features of several types in one Insert become one
// action per run of features of the same type, so that the response keeps their order.
func (p *txParser) insert(e *ows.Element) error {
	handle, _ := e.AttrValue("handle")
	idgen := feature.GenerateNew
	switch v, _ := e.AttrValue("idgen"); strings.TrimSpace(v) {
	case "", "GenerateNew":
	case "UseExisting":
		idgen = feature.UseExisting
	case "ReplaceDuplicate":
		idgen = feature.ReplaceDuplicate
	default:
		return p.fail(ows.InvalidParameterValue, "Insert", handle, "idgen=%q is not GenerateNew, UseExisting or ReplaceDuplicate", v)
	}
	if err := p.checkInputFormat(e, "Insert", handle); err != nil {
		return err
	}
	members := featureElements(e)
	if len(members) == 0 {
		return p.fail(ows.MissingParameterValue, "Insert", handle, "the Insert contains no feature")
	}
	var current *feature.Action
	for i, m := range members {
		l, err := p.featureType(m)
		if err != nil {
			return p.locate(err, "Insert", handle, i+1)
		}
		def, err := p.defaultCRS(e, l)
		if err != nil {
			return p.locate(err, "Insert", handle, i+1)
		}
		f, err := p.s.readFeature(m, l, def, p.version)
		if err != nil {
			return p.locate(err, "Insert", handle, i+1)
		}
		if current == nil || current.Layer != l {
			current = &feature.Action{Kind: feature.ActionInsert, Handle: handle, Layer: l, IDGen: idgen}
			p.t.Actions = append(p.t.Actions, current)
		}
		f.Index = i + 1
		current.Features = append(current.Features, f)
	}
	return nil
}

// featureElements returns the features of an Insert: its children, or the members of a
// feature collection it holds.
func featureElements(e *ows.Element) []*ows.Element {
	var out []*ows.Element
	for _, c := range e.Children {
		if c.Local != "FeatureCollection" {
			out = append(out, c)
			continue
		}
		for _, m := range c.Children {
			switch m.Local {
			case "featureMember", "member", "featureMembers":
				out = append(out, m.Children...)
			}
		}
	}
	return out
}

// featureType returns the layer of a feature element: its local name in the service
// namespace or in none.
func (p *txParser) featureType(e *ows.Element) (*feature.Layer, error) {
	if e.Space != "" && e.Space != p.s.nsURI() {
		return nil, ows.Errorf(ows.InvalidParameterValue, "", "feature type {%s}%s is not served here; the feature types are in namespace %s",
			e.Space, e.Local, p.s.nsURI())
	}
	l, ok := p.s.catalog.Layer(e.Local)
	if !ok {
		return nil, ows.Errorf(ows.InvalidParameterValue, "", "feature type %s is not served here", e.Local)
	}
	return l, nil
}

// propertyName strips a namespace prefix and a leading type step (net:duct/net:code)
// from a property reference.
func propertyName(l *feature.Layer, name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		step := name[:i]
		if j := strings.IndexByte(step, ':'); j >= 0 {
			step = step[j+1:]
		}
		if step == l.Name {
			name = name[i+1:]
		}
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// ignoredProperty reports the properties a feature may carry that the server does not
// store: the standard GML properties.
func ignoredProperty(e *ows.Element) bool {
	if e.Space != nsGML && e.Space != nsGML32 {
		return false
	}
	switch e.Local {
	case "name", "description", "descriptionReference", "identifier", "boundedBy", "metaDataProperty", "location":
		return true
	}
	return false
}

// isNil reports whether an element carries xsi:nil="true".
func isNil(e *ows.Element) bool {
	for _, a := range e.Attr {
		if a.Name.Local == "nil" && (a.Name.Space == nsXSI || a.Name.Space == "xsi") {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// readFeature reads one feature element into its attribute values and its geometry.
func (s *Service) readFeature(e *ows.Element, l *feature.Layer, def crs.Name, version string) (*feature.NewFeature, error) {
	f := &feature.NewFeature{}
	for _, a := range e.Attr {
		if (a.Name.Local == "id" && (a.Name.Space == nsGML || a.Name.Space == nsGML32)) || (a.Name.Local == "fid" && a.Name.Space == "") {
			f.ID = strings.TrimSpace(a.Value)
		}
	}
	seen := map[string]bool{}
	for _, c := range e.Children {
		if ignoredProperty(c) {
			continue
		}
		name := c.Local
		if seen[name] {
			return nil, ows.Errorf(ows.InvalidValue, "", "property %s is given twice", name)
		}
		seen[name] = true
		field, isField := l.Field(name)
		switch {
		case l.IsGeometry(name) || (!isField && len(c.Children) == 1 && isGMLGeometry(c.Children[0])):
			// A client that names the geometry property after its own model (OpenLayers
			// writes "geometry" by default) still means the layer's only geometry.
			if seen[l.GeomElement] && name != l.GeomElement {
				return nil, ows.Errorf(ows.InvalidValue, "", "the feature contains two geometries, %s and %s", l.GeomElement, name)
			}
			seen[l.GeomElement] = true
			g, err := s.readGeometryProperty(c, l, def)
			if err != nil {
				return nil, err
			}
			f.Geometry = g
		case isField:
			v, err := textValue(c)
			if err != nil {
				return nil, err
			}
			f.Properties = append(f.Properties, feature.Property{Field: field, Value: v})
		case name == l.Key:
			// The key comes from the feature id and idgen, never from a property.
		default:
			return nil, ows.Errorf(ows.InvalidValue, "", "%s has no property %s; DescribeFeatureType lists the properties", l.Name, name)
		}
	}
	return f, nil
}

// textValue reads the value of a simple property element.
func textValue(e *ows.Element) (feature.Value, error) {
	if isNil(e) {
		return feature.Value{Null: true}, nil
	}
	if len(e.Children) > 0 {
		return feature.Value{}, ows.Errorf(ows.InvalidValue, "", "property %s contains an element (%s); a text value is expected", e.Local, e.Children[0].Local)
	}
	return feature.Value{Text: e.Text}, nil
}

// readGeometryProperty reads the geometry inside a geometry property element; an empty
// or nil element stands for no geometry.
func (s *Service) readGeometryProperty(e *ows.Element, l *feature.Layer, def crs.Name) (*feature.Geometry, error) {
	if isNil(e) || (len(e.Children) == 0 && e.TrimText() == "") {
		return nil, nil
	}
	if len(e.Children) != 1 {
		return nil, ows.Errorf(ows.InvalidValue, "", "property %s needs exactly one GML geometry", e.Local)
	}
	return s.readGeometry(e.Children[0], l, def)
}

func (p *txParser) typeName(e *ows.Element, kind, handle string) (*feature.Layer, error) {
	name, ok := e.AttrValue("typeName")
	if !ok || strings.TrimSpace(name) == "" {
		return nil, p.fail(ows.MissingParameterValue, kind, handle, "the typeName attribute is missing")
	}
	l, err := p.s.resolveElementType(e, name, p.version)
	if err != nil {
		return nil, p.locate(err, kind, handle, 0)
	}
	return l, nil
}

// filter reads the mandatory filter of an Update, Delete or Replace. An action without
// one would change every feature of the type: it is rejected rather than applied.
func (p *txParser) filter(e *ows.Element, l *feature.Layer, kind, handle string, def crs.Name) (*feature.Action, error) {
	var fe *ows.Element
	for _, c := range e.Children {
		if c.Local == "Filter" {
			fe = c
		}
	}
	if fe == nil {
		return nil, p.fail(ows.MissingParameterValue, kind, handle,
			"a %s needs a Filter; this server never applies a %s to every feature of %s", kind, kind, l.Name)
	}
	n, err := p.s.parseFilterElement(fe, l, def, true, p.version)
	if err != nil {
		return nil, p.locate(err, kind, handle, 0)
	}
	return &feature.Action{Handle: handle, Layer: l, Filter: n}, nil
}

// delete reads a Delete action.
func (p *txParser) delete(e *ows.Element) error {
	handle, _ := e.AttrValue("handle")
	l, err := p.typeName(e, "Delete", handle)
	if err != nil {
		return err
	}
	def, err := p.defaultCRS(e, l)
	if err != nil {
		return p.locate(err, "Delete", handle, 0)
	}
	a, err := p.filter(e, l, "Delete", handle, def)
	if err != nil {
		return err
	}
	a.Kind = feature.ActionDelete
	p.t.Actions = append(p.t.Actions, a)
	return nil
}

// update reads an Update action: wfs:Property elements, each a name (wfs:Name in 1.x,
// wfs:ValueReference in 2.0) and an optional wfs:Value, then the filter.
func (p *txParser) update(e *ows.Element) error {
	handle, _ := e.AttrValue("handle")
	l, err := p.typeName(e, "Update", handle)
	if err != nil {
		return err
	}
	if err := p.checkInputFormat(e, "Update", handle); err != nil {
		return err
	}
	def, err := p.defaultCRS(e, l)
	if err != nil {
		return p.locate(err, "Update", handle, 0)
	}
	a, err := p.filter(e, l, "Update", handle, def)
	if err != nil {
		return err
	}
	a.Kind = feature.ActionUpdate
	for _, c := range e.Children {
		if c.Local != "Property" {
			continue
		}
		u, err := p.property(c, l, def)
		if err != nil {
			return p.locate(err, "Update", handle, 0)
		}
		if u != nil {
			a.Updates = append(a.Updates, *u)
		}
	}
	if len(a.Updates) == 0 && len(childrenNamed(e, "Property")) == 0 {
		return p.fail(ows.MissingParameterValue, "Update", handle, "the Update contains no Property")
	}
	p.t.Actions = append(p.t.Actions, a)
	return nil
}

// property reads one wfs:Property of an Update. A Property without Value sets NULL, as
// does action="remove" (WFS 2.0), since the properties of a feature table are optional
// elements; insertBefore and insertAfter apply to multi-valued properties, which these
// types do not have. It returns nil for a property the server ignores.
func (p *txParser) property(e *ows.Element, l *feature.Layer, def crs.Name) (*feature.PropertyUpdate, error) {
	var nameEl, valueEl *ows.Element
	for _, c := range e.Children {
		switch c.Local {
		case "Name", "ValueReference":
			nameEl = c
		case "Value":
			valueEl = c
		}
	}
	if nameEl == nil {
		return nil, ows.Errorf(ows.MissingParameterValue, "", "a Property needs a ValueReference (or Name in WFS 1.x)")
	}
	raw := nameEl.TrimText()
	name := propertyName(l, raw)
	u := &feature.PropertyUpdate{}
	switch action, _ := nameEl.AttrValue("action"); action {
	case "", "replace":
	case "remove":
		u.Remove = true
	case "insertBefore", "insertAfter":
		return nil, ows.Errorf(ows.InvalidParameterValue, "", "action=%q applies to multi-valued properties, and %s has one value: use replace", action, raw)
	default:
		return nil, ows.Errorf(ows.InvalidParameterValue, "", "action=%q is not replace, insertBefore, insertAfter or remove", action)
	}

	if l.IsGeometry(name) {
		if valueEl != nil && !u.Remove {
			g, err := p.s.readGeometryProperty(valueEl, l, def)
			if err != nil {
				return nil, err
			}
			u.Geometry = g
		}
		return u, nil
	}
	f, ok := l.Field(name)
	if !ok {
		if name == l.Key || ignoredName(name) {
			return nil, nil
		}
		return nil, ows.Errorf(ows.InvalidValue, "", "%s has no property %s; DescribeFeatureType lists the properties", l.Name, raw)
	}
	u.Field = f
	switch {
	case u.Remove:
	case valueEl == nil:
		u.Value = feature.Value{Null: true}
	default:
		v, err := textValue(valueEl)
		if err != nil {
			return nil, err
		}
		u.Value = v
	}
	return u, nil
}

// ignoredName reports the standard GML property names that an Update may list, which
// the server does not store.
func ignoredName(name string) bool {
	switch name {
	case "name", "description", "boundedBy", "identifier":
		return true
	}
	return false
}

// replace reads a Replace action (WFS 2.0): one feature and the filter of the features
// it replaces.
func (p *txParser) replace(e *ows.Element) error {
	handle, _ := e.AttrValue("handle")
	if err := p.checkInputFormat(e, "Replace", handle); err != nil {
		return err
	}
	var fe *ows.Element
	for _, c := range e.Children {
		if c.Local != "Filter" {
			if fe != nil {
				return p.fail(ows.InvalidParameterValue, "Replace", handle, "a Replace contains one feature")
			}
			fe = c
		}
	}
	if fe == nil {
		return p.fail(ows.MissingParameterValue, "Replace", handle, "the Replace contains no feature")
	}
	l, err := p.featureType(fe)
	if err != nil {
		return p.locate(err, "Replace", handle, 0)
	}
	def, err := p.defaultCRS(e, l)
	if err != nil {
		return p.locate(err, "Replace", handle, 0)
	}
	f, err := p.s.readFeature(fe, l, def, p.version)
	if err != nil {
		return p.locate(err, "Replace", handle, 1)
	}
	f.Index = 1
	a, err := p.filter(e, l, "Replace", handle, def)
	if err != nil {
		return err
	}
	a.Kind = feature.ActionReplace
	a.Features = []*feature.NewFeature{f}
	p.t.Actions = append(p.t.Actions, a)
	return nil
}

// native reads a Native action (WFS 2.0). The server implements no vendor action, so it
// skips one marked safeToIgnore and rejects the others.
func (p *txParser) native(e *ows.Element) error {
	handle, _ := e.AttrValue("handle")
	v, _ := e.AttrValue("safeToIgnore")
	if strings.TrimSpace(v) == "true" {
		return nil
	}
	vendor, _ := e.AttrValue("vendorId")
	return p.fail(ows.OperationProcessingFailed, "Native", handle, "vendor action %q is not supported and is not marked safeToIgnore", vendor)
}

func childrenNamed(e *ows.Element, local string) []*ows.Element {
	var out []*ows.Element
	for _, c := range e.Children {
		if c.Local == local {
			out = append(out, c)
		}
	}
	return out
}
