package wfs

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// EnableLocking makes the service serve LockFeature and GetFeatureWithLock through l,
// and advertise them (ImplementsLockingWFS) in capabilities.
func (s *Service) EnableLocking(l feature.Locker) {
	s.locker = l
}

// lockParams are the locking parameters of LockFeature and GetFeatureWithLock.
type lockParams struct {
	expiry time.Duration
	// some is lockAction=SOME; ALL is the default.
	some bool
	// lockID (LockFeature in WFS 2.0) names an existing lock to renew.
	lockID string
}

// parseLockParams reads EXPIRY, LOCKACTION and LOCKID. WFS 2.0 counts the expiry in
// seconds, WFS 1.1 and 1.0 in minutes.
func (s *Service) parseLockParams(req *request, expiry, action, lockID string) error {
	req.lock.expiry = s.cfg.WFS.LockExpiry
	if expiry = strings.TrimSpace(expiry); expiry != "" {
		n, err := strconv.ParseInt(expiry, 10, 64)
		if err != nil || n <= 0 {
			return ows.Errorf(ows.InvalidParameterValue, "expiry", "expiry %q is not a positive integer", expiry)
		}
		unit := time.Minute
		if req.version == V200 {
			unit = time.Second
		}
		if n > int64(s.cfg.WFS.MaxLockExpiry/unit) {
			return ows.Errorf(ows.InvalidParameterValue, "expiry", "expiry %q is longer than the %s this server allows", expiry, s.cfg.WFS.MaxLockExpiry)
		}
		req.lock.expiry = time.Duration(n) * unit
	}
	switch strings.ToUpper(strings.TrimSpace(action)) {
	case "", "ALL":
	case "SOME":
		req.lock.some = true
	default:
		return ows.Errorf(ows.InvalidParameterValue, "lockAction", "lockAction %q is not ALL or SOME", action)
	}
	req.lock.lockID = strings.TrimSpace(lockID)
	return nil
}

// parseLockFeatureKVP reads a KVP LockFeature: the ad hoc query parameters of GetFeature
// (TYPENAMES with FILTER, BBOX or RESOURCEID), or only LOCKID to renew a lock.
func (s *Service) parseLockFeatureKVP(req *request, kvp ows.KVP, ns map[string]string) error {
	if err := s.parseLockParams(req, kvp.Value("EXPIRY"), kvp.Value("LOCKACTION"), kvp.Value("LOCKID")); err != nil {
		return err
	}
	if req.lock.lockID != "" && kvp.Value("TYPENAMES")+kvp.Value("TYPENAME")+kvp.Value("RESOURCEID")+kvp.Value("FEATUREID") == "" {
		return nil
	}
	return s.parseGetFeatureKVP(req, kvp, ns)
}

// parseLockFeatureXML reads an XML LockFeature: wfs:Query children in WFS 2.0, wfs:Lock
// children (a typeName and an optional filter) in 1.1 and 1.0.
func (s *Service) parseLockFeatureXML(req *request, doc *ows.Element) error {
	expiry, _ := doc.AttrValue("expiry")
	action, _ := doc.AttrValue("lockAction")
	lockID, _ := doc.AttrValue("lockId")
	if err := s.parseLockParams(req, expiry, action, lockID); err != nil {
		return err
	}
	for _, c := range doc.Children {
		switch c.Local {
		case "Query", "Lock":
			q, err := s.parseQueryXML(req, c)
			if err != nil {
				return err
			}
			req.queries = append(req.queries, q)
		case "StoredQuery":
			return ows.Errorf(ows.OptionNotSupported, "StoredQuery", "LockFeature takes ad hoc queries only")
		}
	}
	if len(req.queries) == 0 && req.lock.lockID == "" {
		return ows.Errorf(ows.MissingParameterValue, typeNameLocator(req.version), "LockFeature holds no query and no lockId")
	}
	return nil
}

// lockRequest builds the store's lock request for the plans of a request, after checking
// that the caller may write every layer they name.
func (s *Service) lockRequest(ctx context.Context, req *request, plans []*plan) (*feature.LockRequest, error) {
	access := auth.FromContext(ctx)
	p := access.Principal
	lr := &feature.LockRequest{
		Expiry: req.lock.expiry, All: !req.lock.some, LockID: req.lock.lockID,
		PartnerID: p.PartnerID, OrgID: p.OrgID, AnyFeature: p.IsAdmin(),
	}
	if p.IsAnonymous() {
		return nil, auth.Unauthenticated("lockId", "locking features requires authentication; send an API key in the X-API-Key header or HTTP Basic credentials")
	}
	for _, pl := range plans {
		if err := access.CheckWrite(pl.layer.Name, typeNameLocator(req.version)); err != nil {
			return nil, err
		}
		lr.Queries = append(lr.Queries, pl.q)
	}
	return lr, nil
}

// lockFeature serves LockFeature: it takes the lock and writes the response.
func (s *Service) lockFeature(ctx context.Context, w http.ResponseWriter, req *request) error {
	format, err := resolveFormat(req.version, "")
	if err != nil {
		return err
	}
	var plans []*plan
	for _, q := range req.queries {
		p, err := s.plan(req, q, format)
		if err != nil {
			return err
		}
		plans = append(plans, p)
	}
	lr, err := s.lockRequest(ctx, req, plans)
	if err != nil {
		return err
	}
	res, err := s.locker.Lock(ctx, lr)
	if err != nil {
		return err
	}
	s.log.Info("wfs lock taken", "lock_id", res.LockID, "partner", auth.FromContext(ctx).Principal.String(),
		"locked", len(res.Locked), "not_locked", len(res.NotLocked), "expiry", req.lock.expiry)
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(lockResponse(req.version, res))); err != nil {
		return errStreamAborted
	}
	return nil
}

// lockResponse writes the LockFeature response document of the version.
func lockResponse(version string, res *feature.LockResult) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	ids := func(list []feature.FeatureRef, element, attr string) {
		for _, f := range list {
			b.WriteString(`    <` + element + ` ` + attr + `="` + esc(f.Layer.FeatureID(strconv.FormatInt(f.Key, 10))) + `"/>` + "\n")
		}
	}
	switch version {
	case V200:
		b.WriteString(`<wfs:LockFeatureResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0"`)
		b.WriteString(` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"`)
		b.WriteString(` lockId="` + esc(res.LockID) + `">` + "\n")
		if len(res.Locked) > 0 {
			b.WriteString("  <wfs:FeaturesLocked>\n")
			ids(res.Locked, "fes:ResourceId", "rid")
			b.WriteString("  </wfs:FeaturesLocked>\n")
		}
		if len(res.NotLocked) > 0 {
			b.WriteString("  <wfs:FeaturesNotLocked>\n")
			ids(res.NotLocked, "fes:ResourceId", "rid")
			b.WriteString("  </wfs:FeaturesNotLocked>\n")
		}
		b.WriteString("</wfs:LockFeatureResponse>\n")
	case V110:
		b.WriteString(`<wfs:LockFeatureResponse xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc">` + "\n")
		b.WriteString("  <wfs:LockId>" + esc(res.LockID) + "</wfs:LockId>\n")
		if len(res.Locked) > 0 {
			b.WriteString("  <wfs:FeaturesLocked>\n")
			ids(res.Locked, "ogc:FeatureId", "fid")
			b.WriteString("  </wfs:FeaturesLocked>\n")
		}
		if len(res.NotLocked) > 0 {
			b.WriteString("  <wfs:FeaturesNotLocked>\n")
			ids(res.NotLocked, "ogc:FeatureId", "fid")
			b.WriteString("  </wfs:FeaturesNotLocked>\n")
		}
		b.WriteString("</wfs:LockFeatureResponse>\n")
	default:
		b.WriteString(`<WFS_LockFeatureResponse xmlns="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc">` + "\n")
		b.WriteString("  <LockId>" + esc(res.LockID) + "</LockId>\n")
		if len(res.Locked) > 0 {
			b.WriteString("  <FeaturesLocked>\n")
			ids(res.Locked, "ogc:FeatureId", "fid")
			b.WriteString("  </FeaturesLocked>\n")
		}
		if len(res.NotLocked) > 0 {
			b.WriteString("  <FeaturesNotLocked>\n")
			ids(res.NotLocked, "ogc:FeatureId", "fid")
			b.WriteString("  </FeaturesNotLocked>\n")
		}
		b.WriteString("</WFS_LockFeatureResponse>\n")
	}
	return b.String()
}

// lockPlans locks the features of a GetFeatureWithLock and narrows each plan to the
// features the lock holds, so that the response returns exactly those. It returns the
// lock id.
func (s *Service) lockPlans(ctx context.Context, req *request, plans []*plan) (string, error) {
	if req.hits {
		return "", ows.Errorf(ows.InvalidParameterValue, "resultType", "GetFeatureWithLock returns features: resultType=hits is not allowed")
	}
	if f, err := resolveFormat(req.version, req.outputFormat); err == nil && f.json {
		return "", ows.Errorf(ows.InvalidParameterValue, "outputFormat", "GetFeatureWithLock writes GML only, since GeoJSON has no place for the lockId")
	}
	req.lock.lockID = ""
	lr, err := s.lockRequest(ctx, req, plans)
	if err != nil {
		return "", err
	}
	res, err := s.locker.Lock(ctx, lr)
	if err != nil {
		return "", err
	}
	byLayer := map[*feature.Layer][]string{}
	for _, f := range res.Locked {
		byLayer[f.Layer] = append(byLayer[f.Layer], f.Layer.FeatureID(strconv.FormatInt(f.Key, 10)))
	}
	for _, p := range plans {
		// An empty list selects nothing: none of this query's features is locked.
		p.q.Filter = filter.Conjoin(p.q.Filter, filter.ResourceID{IDs: byLayer[p.layer]})
		// The locked features are the page the request selected; paging is not applied
		// again to them.
		p.q.Offset = 0
	}
	req.startIndex = 0
	s.log.Info("wfs lock taken", "lock_id", res.LockID, "partner", auth.FromContext(ctx).Principal.String(),
		"locked", len(res.Locked), "not_locked", len(res.NotLocked), "expiry", req.lock.expiry)
	return res.LockID, nil
}

// lockAttr returns the lockId attribute of a GetFeatureWithLock collection, with its
// leading space, or "".
func (c *collection) lockAttr() string {
	if c.lockID == "" {
		return ""
	}
	return ` lockId="` + esc(c.lockID) + `"`
}

// lockingValue writes the ImplementsLockingWFS constraint.
func lockingValue(enabled bool) string {
	if enabled {
		return "TRUE"
	}
	return "FALSE"
}

// gmlFormats returns the GML formats of a version's output formats, those a
// GetFeatureWithLock response can be written in.
func gmlFormats(formats []string) []string {
	var out []string
	for _, f := range formats {
		if !strings.Contains(strings.ToLower(f), "json") {
			out = append(out, f)
		}
	}
	return out
}
