package wfs

import (
	"slices"
	"strconv"

	"github.com/fourreau/fourreau/pkg/filter"
)

// The Filter_Capabilities sections are written from the lists of package filter, which
// are what its parsers accept and the PostGIS compiler evaluates: nothing more is
// advertised, and nothing advertised is missing.

// filterCapabilities200 writes fes:Filter_Capabilities (FES 2.0).
func (s *Service) filterCapabilities200(b *capsWriter) {
	b.line(`  <fes:Filter_Capabilities xmlns:xs="http://www.w3.org/2001/XMLSchema">`)
	b.line(`    <fes:Conformance>`)
	for _, kv := range [][2]string{
		{"ImplementsQuery", "TRUE"}, {"ImplementsAdHocQuery", "TRUE"}, {"ImplementsFunctions", "TRUE"},
		{"ImplementsResourceId", "TRUE"}, {"ImplementsMinStandardFilter", "TRUE"}, {"ImplementsStandardFilter", "TRUE"},
		{"ImplementsMinSpatialFilter", "TRUE"}, {"ImplementsSpatialFilter", "TRUE"}, {"ImplementsMinTemporalFilter", "TRUE"},
		{"ImplementsTemporalFilter", "TRUE"}, {"ImplementsVersionNav", "FALSE"}, {"ImplementsSorting", "TRUE"},
		{"ImplementsExtendedOperators", "FALSE"}, {"ImplementsMinimumXPath", "FALSE"}, {"ImplementsSchemaElementFunc", "FALSE"},
	} {
		b.line(`      <fes:Constraint name="`, kv[0], `"><ows:NoValues/><ows:DefaultValue>`, kv[1], `</ows:DefaultValue></fes:Constraint>`)
	}
	b.line(`    </fes:Conformance>`)
	b.line(`    <fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>`)
	b.line(`    <fes:Scalar_Capabilities>`)
	b.line(`      <fes:LogicalOperators/>`)
	b.line(`      <fes:ComparisonOperators>`)
	for _, n := range filter.ComparisonOperators {
		b.line(`        <fes:ComparisonOperator name="`, n, `"/>`)
	}
	b.line(`      </fes:ComparisonOperators>`)
	b.line(`    </fes:Scalar_Capabilities>`)
	b.line(`    <fes:Spatial_Capabilities>`)
	b.line(`      <fes:GeometryOperands>`)
	for _, n := range filter.GeometryOperands {
		b.line(`        <fes:GeometryOperand name="`, n, `"/>`)
	}
	b.line(`      </fes:GeometryOperands>`)
	b.line(`      <fes:SpatialOperators>`)
	for _, n := range filter.SpatialOperators {
		b.line(`        <fes:SpatialOperator name="`, n, `"/>`)
	}
	b.line(`      </fes:SpatialOperators>`)
	b.line(`    </fes:Spatial_Capabilities>`)
	b.line(`    <fes:Temporal_Capabilities>`)
	b.line(`      <fes:TemporalOperands>`)
	for _, n := range filter.TemporalOperands {
		b.line(`        <fes:TemporalOperand name="`, n, `"/>`)
	}
	b.line(`      </fes:TemporalOperands>`)
	b.line(`      <fes:TemporalOperators>`)
	for _, n := range filter.TemporalOperators {
		// NOTE: the FES 2.0 capabilities schema leaves AnyInteracts out of its list of
		// operator names, although filter.xsd defines the element, so a valid document
		// cannot advertise it. The parser accepts it all the same.
		if n == string(filter.AnyInteracts) {
			continue
		}
		b.line(`        <fes:TemporalOperator name="`, n, `"/>`)
	}
	b.line(`      </fes:TemporalOperators>`)
	b.line(`    </fes:Temporal_Capabilities>`)
	b.line(`    <fes:Functions>`)
	for _, f := range filter.Functions {
		b.line(`      <fes:Function name="`, f.Name, `">`)
		b.line(`        <fes:Returns>`, f.Returns, `</fes:Returns>`)
		b.line(`        <fes:Arguments>`)
		for _, a := range f.Args {
			b.line(`          <fes:Argument name="`, a.Name, `"><fes:Type>`, a.Type, `</fes:Type></fes:Argument>`)
		}
		b.line(`        </fes:Arguments>`)
		b.line(`      </fes:Function>`)
	}
	b.line(`    </fes:Functions>`)
	b.line(`  </fes:Filter_Capabilities>`)
}

// filter11GeometryOperands are the geometry operands that the Filter 1.1 schema can
// name: its list is a closed enumeration without the Multi geometries, which the parser
// accepts all the same.
var filter11GeometryOperands = []string{"gml:Envelope", "gml:Point", "gml:LineString", "gml:Polygon"}

// filter11Comparisons maps the FES 2.0 comparison names to the Filter 1.1 capability
// names.
var filter11Comparisons = []struct{ fes, ogc string }{
	{"PropertyIsLessThan", "LessThan"}, {"PropertyIsGreaterThan", "GreaterThan"},
	{"PropertyIsLessThanOrEqualTo", "LessThanEqualTo"}, {"PropertyIsGreaterThanOrEqualTo", "GreaterThanEqualTo"},
	{"PropertyIsEqualTo", "EqualTo"}, {"PropertyIsNotEqualTo", "NotEqualTo"}, {"PropertyIsLike", "Like"},
	{"PropertyIsBetween", "Between"}, {"PropertyIsNull", "NullCheck"},
}

// filterCapabilities110 writes ogc:Filter_Capabilities (Filter 1.1).
func (s *Service) filterCapabilities110(b *capsWriter) {
	b.line(`  <ogc:Filter_Capabilities>`)
	b.line(`    <ogc:Spatial_Capabilities>`)
	b.line(`      <ogc:GeometryOperands>`)
	for _, n := range filter11GeometryOperands {
		if slices.Contains(filter.GeometryOperands, n) {
			b.line(`        <ogc:GeometryOperand>`, n, `</ogc:GeometryOperand>`)
		}
	}
	b.line(`      </ogc:GeometryOperands>`)
	b.line(`      <ogc:SpatialOperators>`)
	for _, n := range filter.SpatialOperators {
		b.line(`        <ogc:SpatialOperator name="`, n, `"/>`)
	}
	b.line(`      </ogc:SpatialOperators>`)
	b.line(`    </ogc:Spatial_Capabilities>`)
	b.line(`    <ogc:Scalar_Capabilities>`)
	b.line(`      <ogc:LogicalOperators/>`)
	b.line(`      <ogc:ComparisonOperators>`)
	for _, c := range filter11Comparisons {
		if slices.Contains(filter.ComparisonOperators, c.fes) {
			b.line(`        <ogc:ComparisonOperator>`, c.ogc, `</ogc:ComparisonOperator>`)
		}
	}
	b.line(`      </ogc:ComparisonOperators>`)
	b.line(`      <ogc:ArithmeticOperators>`)
	b.line(`        <ogc:SimpleArithmetic/>`)
	b.line(`        <ogc:Functions><ogc:FunctionNames>`)
	for _, f := range filter.Functions {
		b.line(`          <ogc:FunctionName nArgs="`, strconv.Itoa(len(f.Args)), `">`, f.Name, `</ogc:FunctionName>`)
	}
	b.line(`        </ogc:FunctionNames></ogc:Functions>`)
	b.line(`      </ogc:ArithmeticOperators>`)
	b.line(`    </ogc:Scalar_Capabilities>`)
	b.line(`    <ogc:Id_Capabilities><ogc:EID/><ogc:FID/></ogc:Id_Capabilities>`)
	b.line(`  </ogc:Filter_Capabilities>`)
}

// filterCapabilities100 writes ogc:Filter_Capabilities (Filter 1.0), whose intersection
// operator is spelled Intersect.
func (s *Service) filterCapabilities100(b *capsWriter) {
	b.line(`  <ogc:Filter_Capabilities>`)
	b.line(`    <ogc:Spatial_Capabilities><ogc:Spatial_Operators>`)
	for _, n := range filter.SpatialOperators {
		if n == "Intersects" {
			n = "Intersect"
		}
		b.line(`      <ogc:`, n, `/>`)
	}
	b.line(`    </ogc:Spatial_Operators></ogc:Spatial_Capabilities>`)
	b.line(`    <ogc:Scalar_Capabilities>`)
	b.line(`      <ogc:Logical_Operators/>`)
	b.line(`      <ogc:Comparison_Operators><ogc:Simple_Comparisons/><ogc:Like/><ogc:Between/><ogc:NullCheck/></ogc:Comparison_Operators>`)
	b.line(`      <ogc:Arithmetic_Operators><ogc:Simple_Arithmetic/><ogc:Functions><ogc:Function_Names>`)
	for _, f := range filter.Functions {
		b.line(`        <ogc:Function_Name nArgs="`, strconv.Itoa(len(f.Args)), `">`, f.Name, `</ogc:Function_Name>`)
	}
	b.line(`      </ogc:Function_Names></ogc:Functions></ogc:Arithmetic_Operators>`)
	b.line(`    </ogc:Scalar_Capabilities>`)
	b.line(`  </ogc:Filter_Capabilities>`)
}
