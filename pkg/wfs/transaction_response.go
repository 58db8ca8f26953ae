package wfs

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// writeTransactionResponse writes the response of a committed transaction in the form
// of the request's version, with the new feature ids in the order of the request:
// wfs:InsertResults/wfs:Feature/fes:ResourceId (2.0), wfs:InsertResults/wfs:Feature/
// ogc:FeatureId (1.1), or one wfs:InsertResult listing every ogc:FeatureId (1.0).
func (s *Service) writeTransactionResponse(w http.ResponseWriter, version string, t *feature.Transaction, res *feature.TxResult) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	contentType := "text/xml; charset=UTF-8"
	switch version {
	case V200:
		contentType = "application/xml; charset=UTF-8"
		writeResponse200(&b, res)
	case V110:
		writeResponse110(&b, res)
	default:
		writeResponse100(&b, t, res)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(b.String())); err != nil {
		return errStreamAborted
	}
	return nil
}

func count(b *strings.Builder, name string, n int64) {
	b.WriteString("    <wfs:" + name + ">" + strconv.FormatInt(n, 10) + "</wfs:" + name + ">\n")
}

// handleAttr returns ` handle="..."`, or "" for an empty handle.
func handleAttr(h string) string {
	if h == "" {
		return ""
	}
	return ` handle="` + esc(h) + `"`
}

func featureID(f feature.InsertedFeature) string {
	return esc(f.Layer.FeatureID(strconv.FormatInt(f.Key, 10)))
}

func writeResponse200(b *strings.Builder, res *feature.TxResult) {
	b.WriteString(`<wfs:TransactionResponse version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">` + "\n")
	b.WriteString("  <wfs:TransactionSummary>\n")
	count(b, "totalInserted", int64(len(res.Inserted)))
	count(b, "totalUpdated", res.Updated)
	count(b, "totalReplaced", int64(len(res.Replaced)))
	count(b, "totalDeleted", res.Deleted)
	b.WriteString("  </wfs:TransactionSummary>\n")
	results := func(element string, list []feature.InsertedFeature) {
		if len(list) == 0 {
			return
		}
		b.WriteString("  <wfs:" + element + ">\n")
		for _, f := range list {
			b.WriteString(`    <wfs:Feature` + handleAttr(f.Handle) + `><fes:ResourceId rid="` + featureID(f) + `"/></wfs:Feature>` + "\n")
		}
		b.WriteString("  </wfs:" + element + ">\n")
	}
	results("InsertResults", res.Inserted)
	results("ReplaceResults", res.Replaced)
	b.WriteString("</wfs:TransactionResponse>\n")
}

// writeResponse110 writes a WFS 1.1 response, which has no Replace: replaced features
// count as updated.
func writeResponse110(b *strings.Builder, res *feature.TxResult) {
	b.WriteString(`<wfs:TransactionResponse version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd">` + "\n")
	b.WriteString("  <wfs:TransactionSummary>\n")
	count(b, "totalInserted", int64(len(res.Inserted)))
	count(b, "totalUpdated", res.Updated+int64(len(res.Replaced)))
	count(b, "totalDeleted", res.Deleted)
	b.WriteString("  </wfs:TransactionSummary>\n")
	if len(res.Inserted) > 0 {
		b.WriteString("  <wfs:InsertResults>\n")
		for _, f := range res.Inserted {
			b.WriteString(`    <wfs:Feature` + handleAttr(f.Handle) + `><ogc:FeatureId fid="` + featureID(f) + `"/></wfs:Feature>` + "\n")
		}
		b.WriteString("  </wfs:InsertResults>\n")
	}
	b.WriteString("</wfs:TransactionResponse>\n")
}

func writeResponse100(b *strings.Builder, t *feature.Transaction, res *feature.TxResult) {
	b.WriteString(`<wfs:WFS_TransactionResponse version="1.0.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.0.0/WFS-transaction.xsd">` + "\n")
	if len(res.Inserted) > 0 {
		b.WriteString("  <wfs:InsertResult" + handleAttr(t.Handle) + ">\n")
		for _, f := range res.Inserted {
			b.WriteString(`    <ogc:FeatureId fid="` + featureID(f) + `"/>` + "\n")
		}
		b.WriteString("  </wfs:InsertResult>\n")
	}
	b.WriteString("  <wfs:TransactionResult" + handleAttr(t.Handle) + "><wfs:Status><wfs:SUCCESS/></wfs:Status></wfs:TransactionResult>\n")
	b.WriteString("</wfs:WFS_TransactionResponse>\n")
}

// writeFailed100 writes the WFS 1.0 response of a transaction that failed and changed
// nothing: status FAILED, the handle of the failing action as locator, and the reason.
func writeFailed100(w http.ResponseWriter, t *feature.Transaction, e *ows.Exception) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<wfs:WFS_TransactionResponse version="1.0.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc">` + "\n")
	b.WriteString("  <wfs:TransactionResult" + handleAttr(t.Handle) + ">\n")
	b.WriteString("    <wfs:Status><wfs:FAILED/></wfs:Status>\n")
	if e.Locator != "" {
		b.WriteString("    <wfs:Locator>" + esc(e.Locator) + "</wfs:Locator>\n")
	}
	b.WriteString("    <wfs:Message>" + esc(e.Code+": "+e.Text) + "</wfs:Message>\n")
	b.WriteString("  </wfs:TransactionResult>\n")
	b.WriteString("</wfs:WFS_TransactionResponse>\n")
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	w.WriteHeader(e.HTTPStatus())
	w.Write([]byte(b.String()))
}
