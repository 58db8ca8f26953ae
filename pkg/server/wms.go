package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/style"
	"github.com/fourreau/fourreau/pkg/wms"
)

// buildWMS creates the map service. The code lists of the data model that the default
// styles use are read once, here; a database without them gets plain default styles.
func buildWMS(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, catalog *feature.Catalog,
	store *postgis.Store, registry *crs.Registry, log *slog.Logger) (*wms.Service, error) {
	categories, err := postgis.ReadCodeList(ctx, pool, cfg.WMS.CategoryTable)
	if err != nil {
		return nil, fmt.Errorf("wms: %w", err)
	}
	kinds, err := postgis.ReadCodeList(ctx, pool, cfg.WMS.PointKindTable)
	if err != nil {
		return nil, fmt.Errorf("wms: %w", err)
	}
	var model style.Model
	for _, c := range categories {
		model.Categories = append(model.Categories, style.Category{Code: c.Code, Label: c.LabelFR, LabelEN: c.LabelEN, Colour: c.Colour})
	}
	for _, k := range kinds {
		model.PointKinds = append(model.PointKinds, style.Code{Code: k.Code, Label: k.LabelFR})
	}
	if len(model.Categories) == 0 {
		log.Info("wms: no network categories found; default styles are plain", "table", cfg.WMS.CategoryTable)
	}
	// A layer is listed and drawn only for callers that may read it. Anonymous callers
	// who name a closed layer get the 401 challenge, as in the WFS.
	access := func(r *http.Request, layer string) error {
		return auth.FromContext(r.Context()).CheckRead(layer, "LAYERS")
	}
	return wms.New(cfg, catalog, store, registry, log.With("service", "wms"), wms.Options{Model: model, Access: access})
}
