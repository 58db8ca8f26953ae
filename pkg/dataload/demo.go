package dataload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Seeds of the PCG generator of the demo dataset, and the generator version.
// Changing any of them changes the fingerprint, so the next load replaces
// the demo rows.
const (
	demoSeed1   = 0x666f75727265_6175
	demoSeed2   = 0x4361656e_2d31_3400
	demoVersion = "demo-v1"
)

// row is one record to insert, keyed by column name. Values of type ref are
// replaced by the id of the referenced row at write time.
type row map[string]any

// ref points at the index-th row generated for another table.
type ref struct {
	table string
	index int
}

// demoDataset is the generated demo data, one slice per table in insert
// order. Each duct references its route and optionally a parent duct.
type demoDataset struct {
	organisations []row
	networks      []row
	plannedWorks  []row
	submissions   []row
	points        []row
	routes        []row
	ducts         []row
	subducts      []row
	ductRoutes    []row
	links         []row
}

// codeLists contains the codes of each lookup table, in display order, and
// the default DT-DICT sensitivity of each network category.
type codeLists struct {
	codes     map[string][]string
	sensitive map[string]bool
}

// cycler returns the codes of a list in order until each was used once,
// then random codes, so that every code of a list occurs in the demo.
type cycler struct {
	rnd   *rand.Rand
	codes []string
	next  int
}

func (c *cycler) pick() string {
	if c.next < len(c.codes) {
		v := c.codes[c.next]
		c.next++
		return v
	}
	return c.codes[c.rnd.IntN(len(c.codes))]
}

// demoGenerator builds the demo dataset from a fixed-seed generator.
type demoGenerator struct {
	rnd     *rand.Rand
	lists   codeLists
	cyclers map[string]*cycler
	data    demoDataset
}

// district is a part of the Caen area with its own grid of streets.
type district struct {
	name   string
	insee  string
	centre xy
	angle  float64
	urban  bool
}

// Demo districts: approximate Lambert-93 positions of the Caen area
// communes. INSEE codes are given for realism.
var demoDistricts = []district{
	{"Caen centre", "14118", xy{454600, 6904000}, 0.20, true},
	{"Hérouville-Saint-Clair", "14327", xy{457900, 6906900}, -0.35, true},
	{"Mondeville", "14437", xy{458300, 6902400}, 0.55, true},
	{"Ifs", "14341", xy{454900, 6899300}, -0.10, true},
	{"Bretteville-sur-Odon", "14101", xy{450200, 6901800}, 0.80, true},
	{"Colombelles", "14167", xy{461200, 6905300}, 0.05, false},
}

const (
	gridColumns = 8
	gridRows    = 9
	gridStepX   = 115.0
	gridStepY   = 95.0
)

var demoStreets = []string{
	"Rue Écuyère", "Rue Saint-Jean", "Avenue de la Libération", "Boulevard Maréchal-Leclerc",
	"Rue de l'Église", "Quai de Juillet", "Rue Caponière", "Place Saint-Sauveur",
	"Rue des Cordeliers", "Rue Froide", "Rue Guillaume-le-Conquérant", "Rue de Bretagne",
	"Rue du Général-Moulin", "Rue Neuve-Saint-Jean", "Chemin des Coteaux", "Rue de la Délivrande",
	"Avenue du Six-Juin", "Rue Basse", "Rue d'Hérouville", "Rue des Carrières Saint-Julien",
	"Rue de Falaise", "Rue de Bras", "Impasse des Lilas", "Rue Pémagnie",
	"Rue du Vaugueux", "Boulevard Dunois", "Rue de Geôle", "Allée des Tilleuls",
	"Rue François-Mitterrand", "Rue de l'Abbatiale", "Rue du Pré-Saint-Gervais", "Rue Gémare",
}

var demoPeople = []string{
	"Amélie Lefèvre", "Hélène Besnard", "François Lecœur", "Jérôme Hébert",
	"Anaïs Marie", "Benoît Leroux", "Cécile Guérin", "Mathéo Dubois",
	"Gaëlle Lemaître", "Loïc Duval", "Noémie Lebrun", "Grégoire Pâris",
}

// generateDemo builds the whole dataset. It is deterministic for given code
// lists.
func generateDemo(lists codeLists) demoDataset {
	g := &demoGenerator{
		rnd:     rand.New(rand.NewPCG(demoSeed1, demoSeed2)),
		lists:   lists,
		cyclers: map[string]*cycler{},
	}
	g.organisations()
	g.networks()
	nodes := g.points()
	g.plannedWorks(nodes)
	g.submissions()
	g.routes(nodes)
	g.ducts()
	g.links()
	return g.data
}

// pick returns the next code of a lookup table for a given column: every
// column walks through the whole list before choosing at random.
func (g *demoGenerator) pick(column, list string) string {
	key := column + "/" + list
	c, ok := g.cyclers[key]
	if !ok {
		codes := g.lists.codes[list]
		if len(codes) == 0 {
			panic("dataload: empty code list " + list)
		}
		c = &cycler{rnd: g.rnd, codes: codes}
		g.cyclers[key] = c
	}
	return c.pick()
}

// maybe returns v with probability p, else nil (SQL NULL).
func (g *demoGenerator) maybe(p float64, v any) any {
	if g.rnd.Float64() < p {
		return v
	}
	return nil
}

func (g *demoGenerator) choose(values []string) string {
	return values[g.rnd.IntN(len(values))]
}

// date returns a date between the first days of the two years.
func (g *demoGenerator) date(fromYear, toYear int) time.Time {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(toYear, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	return start.AddDate(0, 0, g.rnd.IntN(days))
}

// guid returns a random version 4 UUID drawn from the seeded generator, so
// that demo rows keep their guid across reloads.
func (g *demoGenerator) guid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rnd.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// organisation indexes in data.organisations, used for coherent ownership.
const (
	orgElectricity = iota
	orgAgglomeration
	orgFibre
	orgSDTAN
	orgGas
	orgWater
	orgHeat
	orgChemicals
	orgContractor
	orgSurveyor
	orgRoads
	orgState
	orgCityCaen
	orgCityHerouville
	orgTelecom
	orgAssociation
	orgLighting
	orgWaste
)

func (g *demoGenerator) organisations() {
	type org struct {
		code, name, orgType, city, postal, insee string
	}
	orgs := []org{
		{"REC", "Régie Électrique du Calvados", "network_operator", "Caen", "14000", "14118"},
		{"CLM", "Caen la Mer", "local_authority", "Caen", "14000", "14118"},
		{"FNO", "Fibre Normande", "telecom_operator", "Hérouville-Saint-Clair", "14200", "14327"},
		{"SMNTHD", "Syndicat mixte « Normandie Très Haut Débit »", "sdtan_holder", "Caen", "14000", "14118"},
		{"GOB", "Gaz de l'Orne et du Bessin", "network_operator", "Mondeville", "14120", "14437"},
		{"EPC", "Eaux de la Plaine de Caen", "network_operator", "Ifs", "14123", "14341"},
		{"RCCN", "Réseau de Chaleur Caen Nord", "network_operator", "Caen", "14000", "14118"},
		{"CPB", "Chimie Portuaire de Blainville", "network_operator", "Colombelles", "14460", "14167"},
		{"TPLB", "Travaux Publics Lebœuf & Fils", "contractor", "Bretteville-sur-Odon", "14760", "14101"},
		{"GDL", "Cabinet de géomètres Dupré-Lefèvre", "surveyor", "Caen", "14000", "14118"},
		{"DRC", "Direction des routes du Calvados", "road_manager", "Caen", "14000", "14118"},
		{"DDTM14", "Direction départementale des territoires et de la mer du Calvados", "state", "Caen", "14000", "14118"},
		{"VDC", "Ville de Caen", "local_authority", "Caen", "14000", "14118"},
		{"VHSC", "Ville d'Hérouville-Saint-Clair", "local_authority", "Hérouville-Saint-Clair", "14200", "14327"},
		{"TCN", "Télécom Côte de Nacre", "telecom_operator", "Colombelles", "14460", "14167"},
		{"AJE", "Association « Les Jardins d'Ève »", "other", "Ifs", "14123", "14341"},
		{"LSN", "Lumière & Signaux de Normandie", "network_operator", "Mondeville", "14120", "14437"},
		{"CDA", "Collecte et Déchets de l'Agglomération", "network_operator", "Colombelles", "14460", "14167"},
	}
	for i, o := range orgs {
		r := row{
			"guid":        g.guid(),
			"code":        "ORG-" + o.code,
			"name":        o.name,
			"org_type":    o.orgType,
			"address":     g.maybe(0.8, fmt.Sprintf("%d %s", 1+g.rnd.IntN(120), g.choose(demoStreets))),
			"postal_code": o.postal,
			"city":        o.city,
			"insee_code":  o.insee,
			"email":       g.maybe(0.7, fmt.Sprintf("contact.%s@example.fr", lowerASCII(o.code))),
			"phone":       g.maybe(0.7, fmt.Sprintf("02 31 %02d %02d %02d", g.rnd.IntN(100), g.rnd.IntN(100), g.rnd.IntN(100))),
			"source":      "demo",
		}
		if i%3 != 2 {
			siren := fmt.Sprintf("%09d", 100000000+g.rnd.IntN(899999999))
			r["siren"] = siren
			r["siret"] = siren + fmt.Sprintf("%05d", 10+g.rnd.IntN(99989))
		}
		if o.orgType == "telecom_operator" {
			r["arcep_l33_1"] = fmt.Sprintf("Déclaration L33-1 n° %d-%04d", 2008+i, g.rnd.IntN(10000))
		}
		if o.orgType == "telecom_operator" || o.orgType == "network_operator" {
			// Write scope: a square of about 10 km around the city.
			d := demoDistricts[i%len(demoDistricts)].centre
			r["wfs_write_scope"] = wktValue{
				srid: 2154,
				text: fmt.Sprintf("MULTIPOLYGON(((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f)))",
					d.X-5000, d.Y-5000, d.X+5000, d.Y-5000, d.X+5000, d.Y+5000, d.X-5000, d.Y+5000, d.X-5000, d.Y-5000),
			}
		}
		g.data.organisations = append(g.data.organisations, r)
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// categoryOperator returns the organisation operating networks of a category.
func categoryOperator(category string) int {
	switch category {
	case "ELEC", "ELECTRD":
		return orgElectricity
	case "ELECECL", "ELECSLT":
		return orgLighting
	case "GAZ":
		return orgGas
	case "CHIM":
		return orgChemicals
	case "AEP", "AUTREAU", "ASS", "ASSEP", "ASSEU", "ASSUN":
		return orgWater
	case "CHAU":
		return orgHeat
	case "COM":
		return orgFibre
	case "DECH":
		return orgWaste
	default:
		return orgAgglomeration
	}
}

// networks creates one network per category, plus a second telecom and a
// second electricity network.
func (g *demoGenerator) networks() {
	categories := append(append([]string(nil), g.lists.codes["network_category"]...), "COM", "ELEC")
	for i, category := range categories {
		operator := categoryOperator(category)
		if i >= len(categories)-2 && category == "COM" {
			operator = orgTelecom
		}
		sensitivity := "non_sensitive"
		if g.lists.sensitive[category] {
			sensitivity = "sensitive"
		}
		if category == "AEP" {
			// Drinking water: not sensitive for safety but critical
			// (DT-DICT category III).
			sensitivity = "critical"
		}
		r := row{
			"guid":               g.guid(),
			"code":               fmt.Sprintf("NET-%s-%02d", category, i+1),
			"name":               fmt.Sprintf("Réseau %s de l'agglomération caennaise n° %d", category, i+1),
			"category":           category,
			"legal_mention":      g.maybe(0.7, "Données fournies à titre indicatif : « ne remplacent pas une réponse aux DT-DICT »."),
			"operator_org_id":    ref{"organisation", operator},
			"owner_org_id":       g.maybe(0.8, ref{"organisation", orgAgglomeration}),
			"delivery_type":      g.pick("delivery_type", "delivery_type"),
			"dtdict_sensitivity": sensitivity,
			"standard_depth_m":   g.maybe(0.6, round2(0.6+g.rnd.Float64())),
			"source":             "demo",
		}
		g.data.networks = append(g.data.networks, r)
	}
}

// gridNode is a technical point of a district's street grid.
type gridNode struct {
	district int
	col, row int
	pos      xy
	index    int
}

// nodeAt returns the node of a district grid.
func nodeAt(nodes []gridNode, districtIndex, col, row int) gridNode {
	return nodes[districtIndex*gridColumns*gridRows+row*gridColumns+col]
}

func (g *demoGenerator) points() []gridNode {
	var nodes []gridNode
	for di, d := range demoDistricts {
		for r := 0; r < gridRows; r++ {
			for c := 0; c < gridColumns; c++ {
				local := xy{
					(float64(c)-float64(gridColumns-1)/2)*gridStepX + (g.rnd.Float64()-0.5)*30,
					(float64(r)-float64(gridRows-1)/2)*gridStepY + (g.rnd.Float64()-0.5)*30,
				}
				pos := d.centre.add(local.rotate(d.angle))
				nodes = append(nodes, gridNode{district: di, col: c, row: r, pos: pos, index: len(nodes)})
				g.data.points = append(g.data.points, g.point(d, pos, len(nodes)))
			}
		}
	}
	return nodes
}

var chamberModels = []string{"L1T", "L2T", "L3T", "K1C", "K2C", "A1", "A2", "D2", "R1T", "M1C"}

func (g *demoGenerator) point(d district, pos xy, n int) row {
	kind := g.pick("point_kind", "point_kind")
	r := g.commonColumns(n, 1990)
	r["code"] = fmt.Sprintf("PT-%s-%04d", d.insee, n)
	r["network_category"] = g.maybe(0.95, g.pick("network_category", "network_category"))
	r["point_kind"] = kind
	r["logical_use"] = g.maybe(0.9, g.pick("logical_use", "logical_use"))
	r["occupancy_class"] = g.maybe(0.7, g.pick("occupancy_class", "occupancy_class"))
	r["ownership_type"] = g.maybe(0.8, g.pick("ownership_type", "ownership_type"))
	r["user_org_id"] = g.maybe(0.3, ref{"organisation", orgTelecom})
	r["domain_owner_org_id"] = g.maybe(0.5, ref{"organisation", orgCityCaen})
	r["domain_manager_org_id"] = g.maybe(0.5, ref{"organisation", orgRoads})
	r["secured_access"] = g.maybe(0.6, g.rnd.IntN(4) == 0)
	r["detection_box"] = g.maybe(0.6, g.rnd.IntN(3) == 0)
	r["rotation_deg"] = g.maybe(0.5, round2(g.rnd.Float64()*359))
	r["geom"] = wktValue{srid: 2154, text: pointWKT(pos)}

	switch kind {
	case "chamber", "manhole":
		r["label"] = fmt.Sprintf("Chambre n° %d – %s", n, d.name)
		r["model"] = g.choose(chamberModels)
		r["visitable"] = kind == "chamber"
		r["lid_class"] = g.choose([]string{"B125", "C250", "D400"})
		r["footprint"] = wktValue{srid: 2154, text: rectangleWKT(pos, 1.2, 0.8, d.angle)}
	case "pole":
		r["label"] = fmt.Sprintf("Appui n° %d", n)
		r["model"] = g.choose([]string{"PBOI", "PBET", "PMET"})
		r["pole_height_m"] = round2(7 + g.rnd.Float64()*5)
		r["pole_load_dan"] = float64(300 + 50*g.rnd.IntN(20))
	case "cabinet", "technical_building":
		r["label"] = g.maybe(0.8, fmt.Sprintf("Armoire « %s » n° %d", d.name, n))
		r["footprint"] = g.maybe(0.7, wktValue{srid: 2154, text: rectangleWKT(pos, 2.5, 1.5, d.angle)})
	}
	return r
}

// commonColumns returns the columns shared by the feature tables, with the
// lifecycle fields kept coherent with each other.
func (g *demoGenerator) commonColumns(n, fromYear int) row {
	status := g.pick("lifecycle_status", "lifecycle_status")
	built := g.date(fromYear, 2025)
	r := row{
		"guid":             g.guid(),
		"external_code":    g.maybe(0.3, fmt.Sprintf("EXT-%06d", 100000+n*7)),
		"owner_org_id":     ref{"organisation", g.rnd.IntN(8)},
		"manager_org_id":   g.maybe(0.7, ref{"organisation", g.rnd.IntN(8)}),
		"lifecycle_status": status,
		"project_phase":    g.maybe(0.8, g.pick("project_phase", "project_phase")),
		"condition":        g.maybe(0.85, g.pick("condition", "condition")),
		"precision_xy":     g.pick("precision_xy", "precision_class"),
		"precision_z":      g.maybe(0.5, g.pick("precision_z", "precision_class")),
		"geoloc_mode":      g.maybe(0.8, g.pick("geoloc_mode", "geoloc_mode")),
		"geoloc_quality_m": g.maybe(0.6, round2(0.05+g.rnd.Float64()*3)),
		"built_on":         g.maybe(0.8, built),
		"valid_from":       g.maybe(0.5, built),
		"comment": g.maybe(0.3, g.choose([]string{
			"Levé réalisé après la pose ; tampon à reprendre.",
			"Ouvrage créé lors de l'opération « Cœur de ville ».",
			"Réseau déplacé pour le tramway, voir plan de récolement.",
			"Accès par la cour de l'école élémentaire.",
			"Tracé repris sur orthophotographie, précision à confirmer.",
		})),
		"source": "demo",
	}
	switch status {
	case "functional", "out_of_service", "to_decommission", "to_dismantle":
		r["in_service_on"] = g.maybe(0.8, built.AddDate(0, 1+g.rnd.IntN(6), 0))
	case "decommissioned", "dismantled":
		abandoned := built.AddDate(5+g.rnd.IntN(20), 0, 0)
		r["abandoned_on"] = abandoned
		r["valid_to"] = abandoned
		r["valid_from"] = built
		r["abandon_reason"] = g.choose([]string{"Réseau remplacé", "Dépose après enfouissement", "Doublon supprimé"})
	}
	return r
}

// plannedWorks generates L49 notices along the district streets: each
// notice is a multi-line of one to three street sections.
func (g *demoGenerator) plannedWorks(nodes []gridNode) {
	seen := map[string]bool{}
	for len(g.data.plannedWorks) < 320 {
		di := g.rnd.IntN(len(demoDistricts))
		d := demoDistricts[di]
		partCount := 1 + g.rnd.IntN(3)
		var parts [][]xy
		key := fmt.Sprint(di)
		for p := 0; p < partCount; p++ {
			line, k := g.streetSection(nodes, di)
			parts = append(parts, offsetLine(line, 1.5))
			key += "|" + k
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		g.data.plannedWorks = append(g.data.plannedWorks, g.plannedWork(d, parts, len(g.data.plannedWorks)+1))
	}
}

// streetSection returns the polyline through 2 to 6 consecutive nodes of a
// grid row or column, and a key identifying it.
func (g *demoGenerator) streetSection(nodes []gridNode, di int) ([]xy, string) {
	horizontal := g.rnd.IntN(2) == 0
	length := 1 + g.rnd.IntN(5)
	var line []xy
	var key string
	if horizontal {
		r := g.rnd.IntN(gridRows)
		c0 := g.rnd.IntN(gridColumns - length)
		for c := c0; c <= c0+length; c++ {
			line = append(line, nodeAt(nodes, di, c, r).pos)
		}
		key = fmt.Sprintf("h%d:%d+%d", r, c0, length)
	} else {
		c := g.rnd.IntN(gridColumns)
		r0 := g.rnd.IntN(gridRows - length)
		for r := r0; r <= r0+length; r++ {
			line = append(line, nodeAt(nodes, di, c, r).pos)
		}
		key = fmt.Sprintf("v%d:%d+%d", c, r0, length)
	}
	return line, key
}

var worksTitles = map[string]string{
	"new_network":    "Création du réseau %s",
	"reinforcement":  "Renforcement du réseau %s",
	"renewal":        "Renouvellement du réseau %s",
	"undergrounding": "Enfouissement des réseaux aériens %s",
	"road_works":     "Réfection de chaussée et trottoirs %s",
	"connection":     "Branchements et raccordements %s",
	"other":          "Travaux divers %s",
}

func (g *demoGenerator) plannedWork(d district, parts [][]xy, n int) row {
	worksType := g.pick("works_type", "works_type")
	status := g.pick("works_status", "works_status")
	start := g.date(2024, 2028)
	street := g.choose(demoStreets)
	contact := g.choose(demoPeople)

	r := row{
		"guid":                    g.guid(),
		"reference":               fmt.Sprintf("L49-%d-%s-%04d", start.Year(), d.insee, n),
		"title":                   fmt.Sprintf(worksTitles[worksType], "– "+street+", "+d.name),
		"project_owner_org_id":    ref{"organisation", g.rnd.IntN(8)},
		"contact_name":            contact,
		"contact_email":           g.maybe(0.8, fmt.Sprintf("travaux.%04d@example.fr", n)),
		"prime_contractor_org_id": g.maybe(0.6, ref{"organisation", orgContractor}),
		"works_type":              worksType,
		"network_category":        g.pick("works_category", "network_category"),
		"network_elements":        g.pick("network_elements", "network_elements"),
		"planned_start":           start,
		"status":                  status,
		"in_urban_unit":           d.urban || g.rnd.IntN(5) == 0,
		"insee_codes":             []string{d.insee},
		"trench_width_m":          g.maybe(0.7, round2(0.3+g.rnd.Float64()*0.5)),
		"depth_m":                 g.maybe(0.7, round2(0.6+g.rnd.Float64()*0.8)),
		"spare_capacity_offer":    g.maybe(0.4, fmt.Sprintf("%d fourreaux Ø45 « en attente » proposés", 1+g.rnd.IntN(4))),
		"comment":                 g.maybe(0.3, "Coordination à prévoir avec la réfection de voirie ; chantier de nuit possible."),
		"source":                  "demo",
		"geom":                    wktValue{srid: 2154, text: multiLineWKT(parts)},
	}
	if r["contact_email"] == nil || g.rnd.IntN(2) == 0 {
		r["contact_phone"] = fmt.Sprintf("02 31 %02d %02d %02d", g.rnd.IntN(100), g.rnd.IntN(100), g.rnd.IntN(100))
	}
	if g.rnd.IntN(2) == 0 {
		r["duration_days"] = 10 + g.rnd.IntN(170)
	} else {
		r["planned_end"] = start.AddDate(0, 0, 10+g.rnd.IntN(300))
	}
	if status != "draft" && status != "cancelled" {
		r["published_at"] = start.AddDate(0, -3, -g.rnd.IntN(60)).Add(time.Duration(8+g.rnd.IntN(10)) * time.Hour)
	}
	if g.rnd.IntN(3) > 0 {
		// Footprint: the works lines buffered by 3 m (emprise des travaux).
		r["footprint"] = footprintValue(multiLineWKT(parts))
	}
	if len(parts) > 1 && n%7 == 0 {
		r["insee_codes"] = []string{d.insee, demoDistricts[(n/7)%len(demoDistricts)].insee}
	}
	return r
}

func (g *demoGenerator) submissions() {
	formats := g.lists.codes["submission_format"]
	for i := 0; i < len(formats)+1; i++ {
		r := row{
			"guid":                 g.guid(),
			"submitted_by_org_id":  ref{"organisation", orgSurveyor},
			"project_owner_org_id": g.maybe(0.8, ref{"organisation", g.rnd.IntN(8)}),
			"software":             g.maybe(0.7, g.choose([]string{"QGIS 3.34", "AutoCAD Map 3D 2024", "Covadis 18"})),
			"dataset_created_on":   g.date(2022, 2025),
			"source_srs":           g.choose([]string{"EPSG:2154", "EPSG:3948", "EPSG:27561"}),
			"format":               g.pick("format", "submission_format"),
			"planned_works_id":     g.maybe(0.5, ref{"planned_works", i * 11}),
			"received_at":          g.date(2024, 2026),
			"validation_status":    g.pick("validation_status", "validation_status"),
			"report":               g.maybe(0.6, map[string]any{"errors": i % 3, "checked": "topologie, classes de précision"}),
			"source":               "demo",
		}
		g.data.submissions = append(g.data.submissions, r)
	}
}

// routes joins neighbour nodes of every district grid, with one or two bent
// intermediate vertices so that routes look drawn.
func (g *demoGenerator) routes(nodes []gridNode) {
	for di, d := range demoDistricts {
		for r := 0; r < gridRows; r++ {
			for c := 0; c < gridColumns; c++ {
				from := nodeAt(nodes, di, c, r)
				if c+1 < gridColumns {
					g.route(d, from, nodeAt(nodes, di, c+1, r), demoStreets[(di*5+r)%len(demoStreets)])
				}
				if r+1 < gridRows {
					g.route(d, from, nodeAt(nodes, di, c, r+1), demoStreets[(di*7+c+11)%len(demoStreets)])
				}
			}
		}
	}
}

func (g *demoGenerator) route(d district, from, to gridNode, street string) {
	n := len(g.data.routes) + 1
	dir := to.pos.sub(from.pos)
	normal := dir.normal()
	line := []xy{from.pos}
	bends := 1 + g.rnd.IntN(2)
	for b := 1; b <= bends; b++ {
		t := float64(b) / float64(bends+1)
		line = append(line, from.pos.add(dir.scale(t)).add(normal.scale((g.rnd.Float64()-0.5)*12)))
	}
	line = append(line, to.pos)

	r := g.commonColumns(n, 1975)
	depth := round2(0.5 + g.rnd.Float64()*0.9)
	r["code"] = fmt.Sprintf("CM-%s-%04d", d.insee, n)
	r["network_category"] = g.maybe(0.95, g.pick("network_category", "network_category"))
	r["start_point_id"] = ref{"technical_point", from.index}
	r["end_point_id"] = ref{"technical_point", to.index}
	r["route_kind"] = g.pick("route_kind", "route_kind")
	r["laying_method"] = g.maybe(0.8, g.pick("laying_method", "laying_method"))
	r["passage"] = g.maybe(0.8, g.pick("passage", "passage_type"))
	r["road_name"] = street
	r["domain_owner_org_id"] = g.maybe(0.6, ref{"organisation", orgCityCaen + g.rnd.IntN(2)})
	r["domain_manager_org_id"] = g.maybe(0.6, ref{"organisation", orgRoads})
	r["composition"] = g.maybe(0.6, fmt.Sprintf("%d × Ø45 + %d × Ø28", 1+g.rnd.IntN(4), g.rnd.IntN(6)))
	r["cover_depth_m"] = depth
	r["trench_width_m"] = g.maybe(0.7, round2(0.2+g.rnd.Float64()*0.5))
	r["surface"] = g.maybe(0.7, g.choose([]string{"enrobé", "pavés", "béton désactivé", "terre végétale", "stabilisé"}))
	r["backfill"] = g.maybe(0.6, g.choose([]string{"grave non traitée", "sable", "grave-ciment", "matériaux extraits"}))
	r["detection_wire"] = g.maybe(0.8, g.rnd.IntN(2) == 0)
	r["shared_works_org_id"] = g.maybe(0.15, ref{"organisation", orgSDTAN})
	r["planned_works_id"] = g.maybe(0.1, ref{"planned_works", g.rnd.IntN(len(g.data.plannedWorks))})
	r["submission_id"] = g.maybe(0.2, ref{"asbuilt_submission", g.rnd.IntN(len(g.data.submissions))})
	r["geom"] = wktValue{srid: 2154, text: lineWKT(line)}
	if g.rnd.IntN(4) == 0 {
		r["geom_3d"] = wktValue{srid: 2154, text: lineZWKT(line, 20+g.rnd.Float64()*40, depth)}
	}
	g.data.routes = append(g.data.routes, r)
}

// ductDimensions returns the inner and outer diameters (mm) and a colour for
// a duct material.
func (g *demoGenerator) ductDimensions(material string) (int, int, string) {
	switch material {
	case "PE", "PEX":
		return 28, 32, g.choose([]string{"vert", "orange", "noir"})
	case "PVC":
		return 42, 45, "gris"
	case "TPC":
		return 90, 110, g.choose([]string{"rouge", "vert", "bleu"})
	case "steel", "cast_iron":
		return 100, 114, "noir"
	case "concrete", "cement", "masonry":
		return 150, 200, "gris"
	default:
		return 60, 75, g.choose([]string{"gris", "vert"})
	}
}

// ducts lays one to three ducts in every route, and a sub-duct in about one
// duct out of eight.
func (g *demoGenerator) ducts() {
	for ri, route := range g.data.routes {
		count := 1 + g.rnd.IntN(3)
		for k := 0; k < count; k++ {
			duct := g.duct(ri, route, len(g.data.ducts)+1)
			g.data.ducts = append(g.data.ducts, duct)
			g.data.ductRoutes = append(g.data.ductRoutes, row{
				"duct_id": ref{"duct", len(g.data.ducts) - 1}, "route_id": ref{"route", ri}, "seq": 1,
			})
			if g.rnd.IntN(8) == 0 {
				sub := g.duct(ri, route, len(g.data.ducts)+len(g.data.subducts)+1)
				sub["parent_duct_id"] = ref{"duct", len(g.data.ducts) - 1}
				sub["duct_type"] = "PE"
				sub["inner_diameter_mm"], sub["outer_diameter_mm"] = 10, 14
				g.data.subducts = append(g.data.subducts, sub)
				g.data.ductRoutes = append(g.data.ductRoutes, row{
					"duct_id": ref{"subduct", len(g.data.subducts) - 1}, "route_id": ref{"route", ri}, "seq": 1,
				})
			}
		}
	}
}

func (g *demoGenerator) duct(routeIndex int, route row, n int) row {
	r := g.commonColumns(n, 1980)
	material := g.pick("duct_type", "material")
	inner, outer, colour := g.ductDimensions(material)
	occupancy := g.maybe(0.85, g.pick("occupancy_class", "occupancy_class"))

	r["code"] = fmt.Sprintf("CD-%06d", n)
	r["network_category"] = g.maybe(0.95, g.pick("duct_category", "network_category"))
	r["route_id"] = ref{"route", routeIndex}
	r["user_org_id"] = g.maybe(0.4, ref{"organisation", orgFibre + g.rnd.IntN(2)*(orgTelecom-orgFibre)})
	r["ownership_type"] = g.maybe(0.8, g.pick("duct_ownership", "ownership_type"))
	r["duct_type"] = material
	r["inner_diameter_mm"] = g.maybe(0.9, inner)
	r["outer_diameter_mm"] = g.maybe(0.9, outer)
	r["colour"] = g.maybe(0.8, colour)
	r["cable_count"] = g.maybe(0.7, g.rnd.IntN(4))
	r["occupancy_class"] = occupancy
	switch occupancy {
	case "0":
		r["occupancy_pct"] = 0
	case "2":
		r["occupancy_pct"] = 100
	case nil:
	default:
		r["occupancy_pct"] = g.maybe(0.8, 10+g.rnd.IntN(80))
	}

	r["last_rodding_on"] = g.maybe(0.3, g.date(2015, 2025))
	r["last_mandrel_on"] = g.maybe(0.2, g.date(2015, 2025))
	r["min_depth_m"] = g.maybe(0.5, route["cover_depth_m"])
	r["non_regulatory_depth"] = g.maybe(0.5, g.rnd.IntN(10) == 0)
	r["cut_type"] = g.maybe(0.2, g.choose([]string{"Coupe type A (trottoir)", "Coupe type B (chaussée)"}))
	r["cut_state"] = g.maybe(0.3, g.pick("cut_state", "cut_state"))
	r["submission_id"] = g.maybe(0.2, ref{"asbuilt_submission", g.rnd.IntN(len(g.data.submissions))})
	r["geom"] = route["geom"]
	r["geom_3d"] = route["geom_3d"]
	return r
}

// linkKind returns the kind of network link of a category.
func linkKind(category string) string {
	switch category {
	case "ELEC", "ELECTRD", "ELECECL", "ELECSLT":
		return "electric_cable"
	case "COM":
		return "telecom_cable"
	case "AEP", "AUTREAU":
		return "water_pipe"
	case "ASS", "ASSEP", "ASSEU", "ASSUN":
		return "sewer_pipe"
	case "GAZ":
		return "gas_pipe"
	case "CHAU":
		return "heat_pipe"
	case "CHIM":
		return "chemical_pipe"
	default:
		return "other"
	}
}

// links lays a network section along about two routes out of three; the
// first links walk through every network so that each category has one.
func (g *demoGenerator) links() {
	for ri, route := range g.data.routes {
		if len(g.data.links) >= len(g.data.networks) && g.rnd.IntN(3) == 0 {
			continue
		}
		networkIndex := len(g.data.links)
		if networkIndex >= len(g.data.networks) {
			networkIndex = g.rnd.IntN(len(g.data.networks))
		}
		g.data.links = append(g.data.links, g.link(ri, route, networkIndex, len(g.data.links)+1))
	}
}

func (g *demoGenerator) link(routeIndex int, route row, networkIndex, n int) row {
	network := g.data.networks[networkIndex]
	category := network["category"].(string)
	kind := linkKind(category)
	r := g.commonColumns(n, 1960)

	r["code"] = fmt.Sprintf("TR-%s-%05d", category, n)
	r["network_category"] = category
	r["network_id"] = ref{"network", networkIndex}
	r["owner_org_id"] = network["operator_org_id"]
	r["link_kind"] = kind
	r["vertical_position"] = g.pick("vertical_position", "vertical_position")
	r["sensitive"] = g.lists.sensitive[category]
	r["min_depth_m"] = g.maybe(0.6, route["cover_depth_m"])
	r["non_regulatory_depth"] = g.maybe(0.4, g.rnd.IntN(12) == 0)
	r["warning_type"] = g.maybe(0.7, g.pick("warning_type", "warning_type"))
	switch kind {
	case "electric_cable":
		r["voltage_domain"] = g.pick("voltage_domain", "voltage_domain")
		r["function"] = g.choose([]string{"distribution", "transport", "éclairage", "mise à la terre"})
		r["nominal_size_mm"] = float64([]int{35, 50, 95, 150, 240}[g.rnd.IntN(5)])
	case "telecom_cable":
		r["telecom_technology"] = g.pick("telecom_technology", "telecom_technology")
		r["capacity"] = []int{12, 24, 48, 72, 144, 288}[g.rnd.IntN(6)]
		r["function"] = g.maybe(0.5, g.choose([]string{"transport", "distribution", "raccordement"}))
	default:
		r["material"] = g.pick("link_material", "material")
		r["nominal_size_mm"] = float64([]int{63, 90, 110, 160, 200, 300}[g.rnd.IntN(6)])
	}
	r["geom"] = route["geom"]
	r["geom_3d"] = route["geom_3d"]
	return r
}
