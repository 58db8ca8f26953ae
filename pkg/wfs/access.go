package wfs

import (
	"context"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
)

// readableLayers returns the layers the caller of ctx may read, in catalog order.
func (s *Service) readableLayers(ctx context.Context) []*feature.Layer {
	access := auth.FromContext(ctx)
	out := make([]*feature.Layer, 0, len(s.catalog.Layers))
	for _, l := range s.catalog.Layers {
		if access.CanRead(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// checkRead returns the 401 exception when the request names a layer that the caller may
// not read. Layers a caller may not read are also left out of its capabilities and of
// the descriptions of every type.
func (s *Service) checkRead(ctx context.Context, req *request) error {
	access := auth.FromContext(ctx)
	if req.operation == "DescribeFeatureType" && len(req.typeNames) == 0 {
		// Without type names, DescribeFeatureType describes every type the caller may read.
		req.typeNames = s.readableLayers(ctx)
		if len(req.typeNames) == 0 {
			return auth.Unauthenticated(typeNameLocator(req.version), "no feature type is served to anonymous callers; send an API key in the X-API-Key header or HTTP Basic credentials")
		}
		return nil
	}
	locator := typeNameLocator(req.version)
	for _, l := range req.typeNames {
		if err := access.CheckRead(l.Name, locator); err != nil {
			return err
		}
	}
	for _, q := range req.queries {
		for _, l := range q.layers {
			if err := access.CheckRead(l.Name, locator); err != nil {
				return err
			}
		}
	}
	return nil
}
