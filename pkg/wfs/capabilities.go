package wfs

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/paulmach/orb"
)

// capsWriter builds a capabilities document.
type capsWriter struct {
	strings.Builder
}

func (b *capsWriter) line(parts ...string) {
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteByte('\n')
}

func esc(s string) string { return ows.EscapeXML(s) }

func (s *Service) getCapabilities(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	base := s.baseURL(r)
	readable := s.readableLayers(ctx)
	extents := make([]layerExtent, len(readable))
	for i, l := range readable {
		e, ok, err := s.store.Extent(ctx, l)
		if err != nil {
			return err
		}
		if !ok {
			// An empty layer has no extent; the whole world keeps the document valid.
			e = feature.Extent{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
		}
		extents[i] = layerExtent{l, e}
	}
	var doc string
	contentType := "application/xml; charset=UTF-8"
	switch req.version {
	case V100:
		doc = s.capabilities100(base, extents)
		contentType = "text/xml; charset=UTF-8"
	case V110:
		doc = s.capabilities110(base, extents)
		contentType = "text/xml; charset=UTF-8"
	default:
		doc = s.capabilities200(base, extents)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(doc)); err != nil {
		return errStreamAborted
	}
	return nil
}

type layerExtent struct {
	layer  *feature.Layer
	extent feature.Extent
}

func num(v float64, decimals int) string { return string(gml.AppendNumber(nil, v, decimals)) }

func (s *Service) otherCRS(l *feature.Layer) []int {
	var out []int
	for _, c := range s.cfg.WFS.OtherCRS {
		if c != l.SRID {
			out = append(out, c)
		}
	}
	return out
}

func (s *Service) capabilities200(base string, layers []layerExtent) string {
	c := s.cfg.Service
	b := &capsWriter{}
	b.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.line(`<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1"`,
		` xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink"`,
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:`, s.prefix(), `="`, esc(s.nsURI()), `"`,
		` xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">`)
	b.line(`  <ows:ServiceIdentification>`)
	b.line(`    <ows:Title>`, esc(c.Title), `</ows:Title>`)
	b.line(`    <ows:Abstract>`, esc(c.Abstract), `</ows:Abstract>`)
	writeKeywords(b, "    ", c.Keywords)
	b.line(`    <ows:ServiceType>WFS</ows:ServiceType>`)
	b.line(`    <ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>`)
	b.line(`    <ows:ServiceTypeVersion>1.1.0</ows:ServiceTypeVersion>`)
	b.line(`    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>`)
	b.line(`    <ows:Fees>`, esc(c.Fees), `</ows:Fees>`)
	b.line(`    <ows:AccessConstraints>`, esc(c.AccessConstraints), `</ows:AccessConstraints>`)
	b.line(`  </ows:ServiceIdentification>`)
	s.serviceProvider(b)

	b.line(`  <ows:OperationsMetadata>`)
	op := func(name string, params ...[]string) {
		b.line(`    <ows:Operation name="`, name, `">`)
		b.line(`      <ows:DCP><ows:HTTP><ows:Get xlink:href="`, esc(base), `?"/><ows:Post xlink:href="`, esc(base), `"/></ows:HTTP></ows:DCP>`)
		for _, p := range params {
			b.line(`      <ows:Parameter name="`, p[0], `"><ows:AllowedValues>`)
			for _, v := range p[1:] {
				b.line(`        <ows:Value>`, esc(v), `</ows:Value>`)
			}
			b.line(`      </ows:AllowedValues></ows:Parameter>`)
		}
		b.line(`    </ows:Operation>`)
	}
	op("GetCapabilities", []string{"AcceptVersions", V200, V110, V100}, []string{"AcceptFormats", "text/xml"})
	op("DescribeFeatureType", []string{"outputFormat", "application/gml+xml; version=3.2"})
	op("ListStoredQueries")
	op("DescribeStoredQueries")
	op("GetFeature", append([]string{"outputFormat"}, formatsV200...), []string{"resultType", "results", "hits"})
	if s.locker != nil {
		op("LockFeature", []string{"lockAction", "ALL", "SOME"})
		op("GetFeatureWithLock", append([]string{"outputFormat"}, gmlFormats(formatsV200)...), []string{"lockAction", "ALL", "SOME"})
	}
	op("GetPropertyValue", []string{"outputFormat", formatsV200[0]})
	if s.storedQueryStore() != nil {
		op("CreateStoredQuery", []string{"language", storedQueryLanguage})
		op("DropStoredQuery")
	}
	if s.transactionsEnabled() {
		op("Transaction", []string{"inputFormat", "application/gml+xml; version=3.2", "text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2"})
	}
	b.line(`    <ows:Parameter name="version"><ows:AllowedValues><ows:Value>2.0.0</ows:Value><ows:Value>1.1.0</ows:Value><ows:Value>1.0.0</ows:Value></ows:AllowedValues></ows:Parameter>`)
	constraint := func(name, value string) {
		b.line(`    <ows:Constraint name="`, name, `"><ows:NoValues/><ows:DefaultValue>`, value, `</ows:DefaultValue></ows:Constraint>`)
	}
	for _, kv := range [][2]string{
		{"ImplementsBasicWFS", "TRUE"}, {"ImplementsTransactionalWFS", upperBool(s.transactionsEnabled())}, {"ImplementsLockingWFS", lockingValue(s.locker != nil)},
		{"KVPEncoding", "TRUE"}, {"XMLEncoding", "TRUE"}, {"SOAPEncoding", "FALSE"},
		{"ImplementsInheritance", "FALSE"}, {"ImplementsRemoteResolve", "FALSE"}, {"ImplementsResultPaging", "TRUE"},
		{"ImplementsStandardJoins", "FALSE"}, {"ImplementsSpatialJoins", "FALSE"}, {"ImplementsTemporalJoins", "FALSE"},
		{"ImplementsFeatureVersioning", "FALSE"}, {"ManageStoredQueries", manageStoredQueries(s.storedQueryStore() != nil)},
	} {
		constraint(kv[0], kv[1])
	}
	if s.cfg.WFS.CountDefault > 0 {
		constraint("CountDefault", strconv.Itoa(s.cfg.WFS.CountDefault))
	}
	b.line(`    <ows:Constraint name="QueryExpressions"><ows:AllowedValues><ows:Value>wfs:Query</ows:Value><ows:Value>wfs:StoredQuery</ows:Value></ows:AllowedValues></ows:Constraint>`)
	b.line(`  </ows:OperationsMetadata>`)

	b.line(`  <wfs:FeatureTypeList>`)
	for _, le := range layers {
		l := le.layer
		b.line(`    <wfs:FeatureType>`)
		b.line(`      <wfs:Name>`, s.qualified(l), `</wfs:Name>`)
		b.line(`      <wfs:Title>`, esc(l.Title), `</wfs:Title>`)
		if l.Abstract != "" {
			b.line(`      <wfs:Abstract>`, esc(l.Abstract), `</wfs:Abstract>`)
		}
		writeKeywords(b, "      ", l.Keywords)
		b.line(`      <wfs:DefaultCRS>urn:ogc:def:crs:EPSG::`, strconv.Itoa(l.SRID), `</wfs:DefaultCRS>`)
		for _, o := range s.otherCRS(l) {
			b.line(`      <wfs:OtherCRS>urn:ogc:def:crs:EPSG::`, strconv.Itoa(o), `</wfs:OtherCRS>`)
		}
		b.line(`      <wfs:OutputFormats>`)
		for _, f := range formatsV200 {
			b.line(`        <wfs:Format>`, esc(f), `</wfs:Format>`)
		}
		b.line(`      </wfs:OutputFormats>`)
		writeWGS84Box(b, le.extent)
		b.line(`    </wfs:FeatureType>`)
	}
	b.line(`  </wfs:FeatureTypeList>`)

	s.filterCapabilities200(b)
	b.line(`</wfs:WFS_Capabilities>`)
	return b.String()
}

func writeKeywords(b *capsWriter, indent string, keywords []string) {
	if len(keywords) == 0 {
		return
	}
	b.line(indent, `<ows:Keywords>`)
	for _, k := range keywords {
		b.line(indent, `  <ows:Keyword>`, esc(k), `</ows:Keyword>`)
	}
	b.line(indent, `</ows:Keywords>`)
}

func writeWGS84Box(b *capsWriter, e feature.Extent) {
	b.line(`      <ows:WGS84BoundingBox>`)
	b.line(`        <ows:LowerCorner>`, num(e.Min.X(), 7), ` `, num(e.Min.Y(), 7), `</ows:LowerCorner>`)
	b.line(`        <ows:UpperCorner>`, num(e.Max.X(), 7), ` `, num(e.Max.Y(), 7), `</ows:UpperCorner>`)
	b.line(`      </ows:WGS84BoundingBox>`)
}

func (s *Service) serviceProvider(b *capsWriter) {
	c := s.cfg.Service
	b.line(`  <ows:ServiceProvider>`)
	b.line(`    <ows:ProviderName>`, esc(c.ProviderName), `</ows:ProviderName>`)
	if c.ProviderSite != "" {
		b.line(`    <ows:ProviderSite xlink:href="`, esc(c.ProviderSite), `"/>`)
	}
	if c.ContactEmail != "" {
		b.line(`    <ows:ServiceContact><ows:ContactInfo><ows:Address><ows:ElectronicMailAddress>`, esc(c.ContactEmail),
			`</ows:ElectronicMailAddress></ows:Address></ows:ContactInfo></ows:ServiceContact>`)
	} else {
		b.line(`    <ows:ServiceContact/>`)
	}
	b.line(`  </ows:ServiceProvider>`)
}

func (s *Service) capabilities110(base string, layers []layerExtent) string {
	c := s.cfg.Service
	b := &capsWriter{}
	b.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.line(`<wfs:WFS_Capabilities version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ows="http://www.opengis.net/ows"`,
		` xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink"`,
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:`, s.prefix(), `="`, esc(s.nsURI()), `"`,
		` xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd">`)
	b.line(`  <ows:ServiceIdentification>`)
	b.line(`    <ows:Title>`, esc(c.Title), `</ows:Title>`)
	b.line(`    <ows:Abstract>`, esc(c.Abstract), `</ows:Abstract>`)
	writeKeywords(b, "    ", c.Keywords)
	b.line(`    <ows:ServiceType>WFS</ows:ServiceType>`)
	b.line(`    <ows:ServiceTypeVersion>1.1.0</ows:ServiceTypeVersion>`)
	b.line(`    <ows:Fees>`, esc(c.Fees), `</ows:Fees>`)
	b.line(`    <ows:AccessConstraints>`, esc(c.AccessConstraints), `</ows:AccessConstraints>`)
	b.line(`  </ows:ServiceIdentification>`)
	s.serviceProvider(b)
	b.line(`  <ows:OperationsMetadata>`)
	op := func(name string, params ...[]string) {
		b.line(`    <ows:Operation name="`, name, `">`)
		b.line(`      <ows:DCP><ows:HTTP><ows:Get xlink:href="`, esc(base), `?"/><ows:Post xlink:href="`, esc(base), `"/></ows:HTTP></ows:DCP>`)
		for _, p := range params {
			b.line(`      <ows:Parameter name="`, p[0], `">`)
			for _, v := range p[1:] {
				b.line(`        <ows:Value>`, esc(v), `</ows:Value>`)
			}
			b.line(`      </ows:Parameter>`)
		}
		b.line(`    </ows:Operation>`)
	}
	op("GetCapabilities", []string{"AcceptVersions", V110, V100}, []string{"AcceptFormats", "text/xml"})
	op("DescribeFeatureType", []string{"outputFormat", "text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2"})
	op("GetFeature", append([]string{"outputFormat"}, formatsV110...), []string{"resultType", "results", "hits"})
	if s.locker != nil {
		op("LockFeature", []string{"lockAction", "ALL", "SOME"})
		op("GetFeatureWithLock", append([]string{"outputFormat"}, gmlFormats(formatsV110)...))
	}
	if s.transactionsEnabled() {
		op("Transaction", []string{"inputFormat", "text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2"},
			[]string{"idgen", "GenerateNew", "UseExisting", "ReplaceDuplicate"})
	}
	b.line(`  </ows:OperationsMetadata>`)
	b.line(`  <wfs:FeatureTypeList>`)
	b.line(`    <wfs:Operations>`, s.featureTypeOperations(`<wfs:Operation>%s</wfs:Operation>`), `</wfs:Operations>`)
	for _, le := range layers {
		l := le.layer
		b.line(`    <wfs:FeatureType>`)
		b.line(`      <wfs:Name>`, s.qualified(l), `</wfs:Name>`)
		b.line(`      <wfs:Title>`, esc(l.Title), `</wfs:Title>`)
		if l.Abstract != "" {
			b.line(`      <wfs:Abstract>`, esc(l.Abstract), `</wfs:Abstract>`)
		}
		writeKeywords(b, "      ", l.Keywords)
		b.line(`      <wfs:DefaultSRS>urn:ogc:def:crs:EPSG::`, strconv.Itoa(l.SRID), `</wfs:DefaultSRS>`)
		for _, o := range s.otherCRS(l) {
			b.line(`      <wfs:OtherSRS>urn:ogc:def:crs:EPSG::`, strconv.Itoa(o), `</wfs:OtherSRS>`)
		}
		b.line(`      <wfs:OutputFormats>`)
		for _, f := range formatsV110 {
			b.line(`        <wfs:Format>`, esc(f), `</wfs:Format>`)
		}
		b.line(`      </wfs:OutputFormats>`)
		writeWGS84Box(b, le.extent)
		b.line(`    </wfs:FeatureType>`)
	}
	b.line(`  </wfs:FeatureTypeList>`)
	s.filterCapabilities110(b)
	b.line(`</wfs:WFS_Capabilities>`)
	return b.String()
}

func (s *Service) capabilities100(base string, layers []layerExtent) string {
	c := s.cfg.Service
	b := &capsWriter{}
	b.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.line(`<WFS_Capabilities version="1.0.0" xmlns="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"`,
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:`, s.prefix(), `="`, esc(s.nsURI()), `"`,
		` xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.0.0/WFS-capabilities.xsd">`)
	b.line(`  <Service>`)
	b.line(`    <Name>WFS</Name>`)
	b.line(`    <Title>`, esc(c.Title), `</Title>`)
	b.line(`    <Abstract>`, esc(c.Abstract), `</Abstract>`)
	if len(c.Keywords) > 0 {
		b.line(`    <Keywords>`, esc(strings.Join(c.Keywords, ", ")), `</Keywords>`)
	}
	b.line(`    <OnlineResource>`, esc(base), `</OnlineResource>`)
	b.line(`    <Fees>`, esc(c.Fees), `</Fees>`)
	b.line(`    <AccessConstraints>`, esc(c.AccessConstraints), `</AccessConstraints>`)
	b.line(`  </Service>`)
	dcp := `<DCPType><HTTP><Get onlineResource="` + esc(base) + `?"/></HTTP></DCPType><DCPType><HTTP><Post onlineResource="` + esc(base) + `"/></HTTP></DCPType>`
	b.line(`  <Capability>`)
	b.line(`    <Request>`)
	b.line(`      <GetCapabilities>`, dcp, `</GetCapabilities>`)
	b.line(`      <DescribeFeatureType><SchemaDescriptionLanguage><XMLSCHEMA/></SchemaDescriptionLanguage>`, dcp, `</DescribeFeatureType>`)
	b.line(`      <GetFeature><ResultFormat><GML2/></ResultFormat>`, dcp, `</GetFeature>`)
	if s.locker != nil {
		b.line(`      <LockFeature>`, dcp, `</LockFeature>`)
		b.line(`      <GetFeatureWithLock><ResultFormat><GML2/></ResultFormat>`, dcp, `</GetFeatureWithLock>`)
	}
	if s.transactionsEnabled() {
		b.line(`      <Transaction>`, dcp, `</Transaction>`)
	}
	b.line(`    </Request>`)
	b.line(`  </Capability>`)
	b.line(`  <FeatureTypeList>`)
	b.line(`    <Operations>`, s.featureTypeOperations(`<%s/>`), `</Operations>`)
	for _, le := range layers {
		l, e := le.layer, le.extent
		b.line(`    <FeatureType>`)
		b.line(`      <Name>`, s.qualified(l), `</Name>`)
		b.line(`      <Title>`, esc(l.Title), `</Title>`)
		if l.Abstract != "" {
			b.line(`      <Abstract>`, esc(l.Abstract), `</Abstract>`)
		}
		if len(l.Keywords) > 0 {
			b.line(`      <Keywords>`, esc(strings.Join(l.Keywords, ", ")), `</Keywords>`)
		}
		b.line(`      <SRS>EPSG:`, strconv.Itoa(l.SRID), `</SRS>`)
		b.line(`      <LatLongBoundingBox minx="`, num(e.Min.X(), 7), `" miny="`, num(e.Min.Y(), 7), `" maxx="`, num(e.Max.X(), 7), `" maxy="`, num(e.Max.Y(), 7), `"/>`)
		b.line(`    </FeatureType>`)
	}
	b.line(`  </FeatureTypeList>`)
	s.filterCapabilities100(b)
	b.line(`</WFS_Capabilities>`)
	return b.String()
}

// upperBool writes a capabilities constraint value.
func upperBool(v bool) string {
	if v {
		return "TRUE"
	}
	return "FALSE"
}

// featureTypeOperations writes the operations that WFS 1.1 and 1.0 capabilities list
// for every feature type, each through format: Query, then Insert, Update and Delete
// when transactions are on, and Lock when locking is enabled too.
func (s *Service) featureTypeOperations(format string) string {
	ops := []string{"Query"}
	if s.transactionsEnabled() {
		ops = append(ops, "Insert", "Update", "Delete")
		if s.locker != nil {
			ops = append(ops, "Lock")
		}
	}
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, format, op)
	}
	return b.String()
}
