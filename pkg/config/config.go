// Package config loads the server configuration once, at start-up, into a typed struct.
//
// Precedence, lowest first: built-in defaults, the YAML file, FOURREAU_* environment
// variables (FOURREAU_SERVER_LISTEN sets server.listen), then command-line flags. The plain
// DATABASE_URL variable is read when database.url is still empty. Every problem found is
// reported at once.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is the whole server configuration.
type Config struct {
	Server   Server        `mapstructure:"server"`
	Database Database      `mapstructure:"database"`
	Data     Data          `mapstructure:"data"`
	Log      Log           `mapstructure:"log"`
	Service  Service       `mapstructure:"service"`
	WFS      WFS           `mapstructure:"wfs"`
	Auth     Auth          `mapstructure:"auth"`
	Tiles    Tiles         `mapstructure:"tiles"`
	WMS      WMS           `mapstructure:"wms"`
	Layers   []LayerConfig `mapstructure:"layers"`

	// File is the configuration file that was read, or "" when none was.
	File string `mapstructure:"-"`
}

// Server holds the HTTP listener settings.
type Server struct {
	Listen string `mapstructure:"listen"`
	// PublicURL is the base URL clients reach the server at, written into capabilities
	// and links; derived from each request's Host header when empty.
	PublicURL    string        `mapstructure:"public_url"`
	CORSOrigins  []string      `mapstructure:"cors_origins"`
	ReadTimeout  time.Duration `mapstructure:"read_timeout"`
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// StallTimeout bounds each write of a streamed response: a client that reads nothing
	// for that long is disconnected, which frees its database connection.
	StallTimeout time.Duration `mapstructure:"stall_timeout"`
	IdleTimeout  time.Duration `mapstructure:"idle_timeout"`
	Gzip         bool          `mapstructure:"gzip"`
}

// Database holds the PostgreSQL connection settings.
type Database struct {
	URL              string        `mapstructure:"url"`
	MaxConns         int32         `mapstructure:"max_conns"`
	StatementTimeout time.Duration `mapstructure:"statement_timeout"`
}

// Data holds where real data deliveries are read from by `fourreau load`.
type Data struct {
	Dir string `mapstructure:"dir"`
}

// Log holds the logging settings.
type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

// Service holds the service metadata published in capabilities and the XML namespace of
// the feature types.
type Service struct {
	Title             string   `mapstructure:"title"`
	Abstract          string   `mapstructure:"abstract"`
	Keywords          []string `mapstructure:"keywords"`
	Fees              string   `mapstructure:"fees"`
	AccessConstraints string   `mapstructure:"access_constraints"`
	ProviderName      string   `mapstructure:"provider_name"`
	ProviderSite      string   `mapstructure:"provider_site"`
	ContactEmail      string   `mapstructure:"contact_email"`
	NamespacePrefix   string   `mapstructure:"namespace_prefix"`
	NamespaceURI      string   `mapstructure:"namespace_uri"`
}

// WFS holds the settings of the WFS service.
type WFS struct {
	// CountDefault is the number of features a GetFeature returns when the request sets no
	// COUNT or MAXFEATURES; 0 means no limit. Advertised as the CountDefault constraint.
	CountDefault int `mapstructure:"count_default"`
	// OtherCRS lists the EPSG codes offered beside each layer's native CRS.
	OtherCRS        []int `mapstructure:"other_crs"`
	DecimalsDegrees int   `mapstructure:"decimals_degrees"`
	DecimalsMetres  int   `mapstructure:"decimals_metres"`
	// Transactions is off (no WFS-T), open (anyone may write) or partners (only callers
	// that the transaction hooks authenticate).
	Transactions string `mapstructure:"transactions"`
	// LockExpiry is the expiry of a lock whose request sets none; MaxLockExpiry caps the
	// expiry a request may ask for.
	LockExpiry    time.Duration `mapstructure:"lock_expiry"`
	MaxLockExpiry time.Duration `mapstructure:"max_lock_expiry"`
}

// Auth holds the access rules: who may read without credentials, and how credentials
// are checked. Partners and their API keys are stored in the database.
type Auth struct {
	// AnonymousRead is whether callers without credentials may read the layers whose
	// anonymous_read is not set.
	AnonymousRead bool `mapstructure:"anonymous_read"`
	// Realm is the realm of the HTTP Basic challenge sent with 401 responses.
	Realm string `mapstructure:"realm"`
	// KeyCacheTTL is how long a verified API key is trusted without hashing it again.
	KeyCacheTTL time.Duration `mapstructure:"key_cache_ttl"`
}

// LayerConfig publishes one PostGIS table or view as a feature type.
type LayerConfig struct {
	Name     string   `mapstructure:"name"`
	Title    string   `mapstructure:"title"`
	Abstract string   `mapstructure:"abstract"`
	Keywords []string `mapstructure:"keywords"`
	// Table is schema.table (or a view).
	Table string `mapstructure:"table"`
	// Key is an integer column with unique values: the feature id is name.key.
	Key      string `mapstructure:"key"`
	Geometry string `mapstructure:"geometry"`
	// SRID is the native CRS of the geometry column; read from the database when 0.
	SRID int `mapstructure:"srid"`
	// GeometryType is Point, LineString, Polygon, their Multi forms, or Geometry; read
	// from the database when empty.
	GeometryType string `mapstructure:"geometry_type"`
	// Fields lists the published columns in order; all but the key and geometry when empty.
	Fields []string `mapstructure:"fields"`
	// AnonymousRead sets whether callers without credentials may read the layer; unset,
	// auth.anonymous_read applies.
	AnonymousRead *bool `mapstructure:"anonymous_read"`
}

// DefaultFile is the configuration file read when no --config flag or FOURREAU_CONFIG
// variable names one and the file exists.
const DefaultFile = "config/fourreau.yaml"

// Load reads the configuration. args are the command-line arguments after the subcommand.
func Load(args []string) (*Config, error) {
	v := viper.New()
	setDefaults(v)

	flags := pflag.NewFlagSet("fourreau", pflag.ContinueOnError)
	file := flags.String("config", "", "configuration file (YAML); default "+DefaultFile+" when present")
	flags.String("listen", "", "address to listen on, host:port (server.listen)")
	flags.String("database-url", "", "PostgreSQL URL (database.url)")
	flags.String("data-dir", "", "folder of real data deliveries (data.dir)")
	flags.String("log-level", "", "log level: debug, info, warn or error (log.level)")
	if err := flags.Parse(args); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}

	path := *file
	if path == "" {
		path = os.Getenv("FOURREAU_CONFIG")
	}
	explicit := path != ""
	if path == "" {
		path = DefaultFile
	}
	cfg := &Config{}
	if _, err := os.Stat(path); err == nil || explicit {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config: read %s: %w", path, err)
		}
		cfg.File = path
	}

	v.SetEnvPrefix("FOURREAU")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	bindFlag(v, flags, "server.listen", "listen")
	bindFlag(v, flags, "database.url", "database-url")
	bindFlag(v, flags, "data.dir", "data-dir")
	bindFlag(v, flags, "log.level", "log-level")

	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !v.IsSet("layers") || len(cfg.Layers) == 0 {
		cfg.Layers = DefaultLayers()
	}
	applyTileDefaults(v, cfg)
	if cfg.Database.URL == "" {
		cfg.Database.URL = os.Getenv("DATABASE_URL")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func bindFlag(v *viper.Viper, flags *pflag.FlagSet, key, name string) {
	if f := flags.Lookup(name); f != nil && f.Changed {
		v.Set(key, f.Value.String())
	}
}

func setDefaults(v *viper.Viper) {
	v.SetDefault("server.listen", "127.0.0.1:8080")
	v.SetDefault("server.public_url", "")
	v.SetDefault("server.cors_origins", []string{"*"})
	v.SetDefault("server.read_timeout", "30s")
	v.SetDefault("server.write_timeout", "0s")
	v.SetDefault("server.stall_timeout", "60s")
	v.SetDefault("server.idle_timeout", "120s")
	v.SetDefault("server.gzip", true)
	v.SetDefault("database.url", "")
	v.SetDefault("database.max_conns", 16)
	v.SetDefault("database.statement_timeout", "0s")
	v.SetDefault("data.dir", "../shared/data")
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "text")
	v.SetDefault("service.title", "Fourreau network data")
	v.SetDefault("service.abstract", "Ducts, network sections, technical points and planned civil works.")
	v.SetDefault("service.keywords", []string{"réseaux", "fourreaux", "génie civil", "DT-DICT"})
	v.SetDefault("service.fees", "NONE")
	v.SetDefault("service.access_constraints", "NONE")
	v.SetDefault("service.provider_name", "Fourreau")
	v.SetDefault("service.provider_site", "")
	v.SetDefault("service.contact_email", "")
	v.SetDefault("service.namespace_prefix", "net")
	v.SetDefault("service.namespace_uri", "http://fourreau.org/net")
	v.SetDefault("wfs.count_default", 1000000)
	v.SetDefault("wfs.other_crs", []int{4326, 3857, 4258, 4171, 3035, 3942, 3943, 3944, 3945, 3946, 3947, 3948, 3949, 3950})
	v.SetDefault("wfs.decimals_degrees", 7)
	v.SetDefault("wfs.decimals_metres", 3)
	v.SetDefault("wfs.transactions", "off")
	v.SetDefault("wfs.lock_expiry", "5m")
	v.SetDefault("wfs.max_lock_expiry", "24h")
	v.SetDefault("auth.anonymous_read", true)
	v.SetDefault("auth.realm", "fourreau")
	v.SetDefault("auth.key_cache_ttl", "10m")
	setTileDefaults(v)
	setWMSDefaults(v)
}

var ncName = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_.\-]*$`)

// Validate checks the whole configuration and reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen: %q is not host:port: %v", c.Server.Listen, err)
	}
	if c.Database.MaxConns < 2 {
		add("database.max_conns: %d is too small; at least 2 connections are needed", c.Database.MaxConns)
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch strings.ToLower(c.Log.Format) {
	case "text", "json":
	default:
		add("log.format: %q is not text or json", c.Log.Format)
	}
	if !ncName.MatchString(c.Service.NamespacePrefix) || strings.Contains(c.Service.NamespacePrefix, ".") {
		add("service.namespace_prefix: %q is not a valid XML prefix", c.Service.NamespacePrefix)
	}
	if c.Service.NamespaceURI == "" {
		add("service.namespace_uri: missing")
	}
	if c.WFS.CountDefault < 0 {
		add("wfs.count_default: %d is negative; use 0 for no limit", c.WFS.CountDefault)
	}
	for _, code := range c.WFS.OtherCRS {
		if code <= 0 {
			add("wfs.other_crs: %d is not an EPSG code", code)
		}
	}
	if c.WFS.LockExpiry <= 0 || c.WFS.MaxLockExpiry < c.WFS.LockExpiry {
		add("wfs.lock_expiry (%s) must be positive and at most wfs.max_lock_expiry (%s)", c.WFS.LockExpiry, c.WFS.MaxLockExpiry)
	}
	if c.Auth.KeyCacheTTL < 0 {
		add("auth.key_cache_ttl: %s is negative; use 0s to hash every request's key", c.Auth.KeyCacheTTL)
	}
	switch c.WFS.Transactions {
	case "off", "open", "partners":
	default:
		add("wfs.transactions: %q is not off, open or partners", c.WFS.Transactions)
	}
	if c.WFS.DecimalsDegrees < 0 || c.WFS.DecimalsDegrees > 15 || c.WFS.DecimalsMetres < 0 || c.WFS.DecimalsMetres > 15 {
		add("wfs.decimals_degrees and wfs.decimals_metres must be between 0 and 15")
	}
	seen := map[string]bool{}
	for i, l := range c.Layers {
		where := fmt.Sprintf("layers[%d]", i)
		if l.Name != "" {
			where = fmt.Sprintf("layers[%d] (%s)", i, l.Name)
		}
		switch {
		case l.Name == "":
			add("%s: name is missing", where)
		case !ncName.MatchString(l.Name):
			add("%s: name %q is not a valid XML name", where, l.Name)
		case seen[strings.ToLower(l.Name)]:
			add("%s: name %q is used twice", where, l.Name)
		}
		seen[strings.ToLower(l.Name)] = true
		if l.Table == "" {
			add("%s: table is missing", where)
		}
		if l.Key == "" {
			add("%s: key is missing", where)
		}
		if l.Geometry == "" {
			add("%s: geometry is missing", where)
		}
		if l.SRID < 0 {
			add("%s: srid %d is negative", where, l.SRID)
		}
	}
	c.validateTiles(add)
	c.validateWMS(add)
	return errors.Join(errs...)
}

// RequireDatabase reports a clear error when no database URL is configured.
func (c *Config) RequireDatabase() error {
	if c.Database.URL == "" {
		return errors.New("config: no database: set database.url in the configuration file, FOURREAU_DATABASE_URL, DATABASE_URL or --database-url")
	}
	return nil
}
