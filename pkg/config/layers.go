package config

// DefaultLayers returns the feature types of the default data model, as
// config/fourreau.yaml also lists them.
func DefaultLayers() []LayerConfig {
	layers := []LayerConfig{
		{
			Name: "duct", Title: "Fourreaux (ducts)",
			Abstract: "Ducts laid along civil-engineering routes, with material, diameters, occupancy, owner and user.",
			Keywords: []string{"fourreau", "duct"},
			Table:    "netdata.duct", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "LineString",
		},
		{
			Name: "route", Title: "Cheminements (civil-engineering routes)",
			Abstract: "Trenches, duct banks and other paths between technical points.",
			Keywords: []string{"cheminement", "route", "tranchée"},
			Table:    "netdata.route", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "LineString",
		},
		{
			Name: "technical_point", Title: "Points techniques (chambers, poles, cabinets)",
			Abstract: "Chambers, manholes, poles, cabinets and other technical points.",
			Keywords: []string{"point technique", "chambre", "appui"},
			Table:    "netdata.technical_point", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "Point",
		},
		{
			Name: "network_link", Title: "Tronçons de réseau (network sections)",
			Abstract: "Cables and pipes by network category, with DT-DICT precision class and status.",
			Keywords: []string{"réseau", "tronçon", "DT-DICT"},
			Table:    "netdata.network_link", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "LineString",
		},
		{
			Name: "planned_works", Title: "Travaux programmés (planned works, L49)",
			Abstract: "Announced civil works open to trench sharing under article L49 of the French telecom code.",
			Keywords: []string{"travaux", "L49", "mutualisation"},
			Table:    "netdata.planned_works", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "MultiLineString",
		},
		{
			Name: "osm_power_line", Title: "OpenStreetMap power lines",
			Abstract: "Power lines from OpenStreetMap extracts (© OpenStreetMap contributors, ODbL).",
			Keywords: []string{"OpenStreetMap", "power"},
			Table:    "osm.power_line", Key: "id", Geometry: "geom", SRID: 4326,
		},
		{
			Name: "osm_power_tower", Title: "OpenStreetMap power towers",
			Abstract: "Power towers from OpenStreetMap extracts (© OpenStreetMap contributors, ODbL).",
			Keywords: []string{"OpenStreetMap", "power"},
			Table:    "osm.power_tower", Key: "id", Geometry: "geom", SRID: 4326, GeometryType: "Point",
		},
	}
	return append(layers, historyLayers()...)
}

// historyLayers returns the history layers of the netdata tables, one row per change
// made to a feature (views netdata.<table>_history). They are closed to anonymous
// callers because they name the partners that made each change.
func historyLayers() []LayerConfig {
	closed := false
	var out []LayerConfig
	for _, t := range []struct{ name, title, geometryType string }{
		{"duct", "ducts", "LineString"},
		{"route", "civil-engineering routes", "LineString"},
		{"technical_point", "technical points", "Point"},
		{"network_link", "network sections", "LineString"},
		{"planned_works", "planned works", "MultiLineString"},
	} {
		out = append(out, LayerConfig{
			Name: t.name + "_history", Title: "History of " + t.title,
			Abstract: "One feature per insert, update or delete of net:" + t.name + ", with the partner, the " +
				"submission, the changed properties and the state before and after the change, as JSON.",
			Keywords: []string{"history", "récolement"},
			Table:    "netdata." + t.name + "_history", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: t.geometryType,
			AnonymousRead: &closed,
		})
	}
	return out
}
