package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/pflag"
)

const partnerUsage = `Usage: fourreau partner COMMAND [flags]

Commands:
  add         create a partner account and print its API key
                --login LOGIN       user name for HTTP Basic (required)
                --org CODE          organisation code (netdata.organisation.code), or
                --org-id ID         organisation id
                --org-name NAME     create the organisation when no organisation has CODE
                --org-type TYPE     org_type code of a created organisation (default other)
                --layers LIST       layers the partner may write, comma-separated, or '*'
                --role ROLE         partner (default) or admin
                --write-area WKT    polygon or multipolygon in EPSG:2154 that limits where
                                    the organisation may write
  list        list the partner accounts
  rotate-key  LOGIN [--keep-old]: print a new API key; the old ones are revoked unless
              --keep-old is given
  disable     LOGIN: stop the partner's keys from authenticating
  enable      LOGIN: undo disable

Flags of every command: --config FILE, --database-url URL, --log-level LEVEL.
`

// partnerCommand runs `fourreau partner ...`.
func partnerCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(os.Stderr, partnerUsage)
		if len(args) == 0 {
			return errors.New("partner: missing command")
		}
		return nil
	}
	sub := args[0]
	flags := pflag.NewFlagSet("fourreau partner "+sub, pflag.ContinueOnError)
	flags.Usage = func() { fmt.Fprint(os.Stderr, partnerUsage) }
	configFlags := map[string]*string{}
	for _, name := range []string{"config", "listen", "database-url", "data-dir", "log-level"} {
		configFlags[name] = flags.String(name, "", "")
	}
	np := postgis.NewPartner{}
	var role, layers string
	var keepOld bool
	switch sub {
	case "add":
		flags.StringVar(&np.Login, "login", "", "")
		flags.StringVar(&np.OrgCode, "org", "", "")
		flags.Int64Var(&np.OrgID, "org-id", 0, "")
		flags.StringVar(&np.OrgName, "org-name", "", "")
		flags.StringVar(&np.OrgType, "org-type", "", "")
		flags.StringVar(&layers, "layers", "", "")
		flags.StringVar(&role, "role", string(auth.RolePartner), "")
		flags.StringVar(&np.WriteArea, "write-area", "", "")
	case "rotate-key":
		flags.BoolVar(&keepOld, "keep-old", false, "")
	case "list", "disable", "enable":
	default:
		fmt.Fprint(os.Stderr, partnerUsage)
		return fmt.Errorf("partner: unknown command %q", sub)
	}
	if err := flags.Parse(args[1:]); err != nil {
		return fmt.Errorf("partner %s: %w", sub, err)
	}
	var configArgs []string
	for name, v := range configFlags {
		if flags.Changed(name) {
			configArgs = append(configArgs, "--"+name+"="+*v)
		}
	}

	login := ""
	switch sub {
	case "rotate-key", "disable", "enable":
		if flags.NArg() != 1 {
			return fmt.Errorf("partner %s: give exactly one partner login", sub)
		}
		login = flags.Arg(0)
	default:
		if flags.NArg() != 0 {
			return fmt.Errorf("partner %s: unexpected argument %q", sub, flags.Arg(0))
		}
	}

	return withConfig(ctx, configArgs, func(ctx context.Context, cfg *config.Config, log *slog.Logger, pool *pgxpool.Pool) error {
		store := postgis.NewPartnerStore(pool)
		switch sub {
		case "add":
			return addPartner(ctx, cfg, store, np, role, layers)
		case "list":
			return listPartners(ctx, store)
		case "rotate-key":
			key, err := store.RotateKey(ctx, login, keepOld)
			if err != nil {
				return err
			}
			printKey(login, key)
			return nil
		default:
			if err := store.SetPartnerDisabled(ctx, login, sub == "disable"); err != nil {
				return err
			}
			fmt.Printf("partner %s %sd\n", login, sub)
			return nil
		}
	})
}

func addPartner(ctx context.Context, cfg *config.Config, store *postgis.PartnerStore, np postgis.NewPartner, role, layers string) error {
	if np.Login == "" {
		return errors.New("partner add: --login is required")
	}
	switch auth.Role(role) {
	case auth.RolePartner, auth.RoleAdmin:
		np.Role = auth.Role(role)
	default:
		return fmt.Errorf("partner add: --role %q is not partner or admin", role)
	}
	known := make([]string, 0, len(cfg.Layers))
	for _, l := range cfg.Layers {
		known = append(known, l.Name)
	}
	for _, name := range strings.Split(layers, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if name != auth.AllLayers && !slices.Contains(known, name) {
			return fmt.Errorf("partner add: --layers: %q is not a configured layer; choose from %s, or '*'", name, strings.Join(known, ", "))
		}
		np.WriteLayers = append(np.WriteLayers, name)
	}
	if np.WriteLayers == nil {
		np.WriteLayers = []string{}
	}
	p, key, err := store.AddPartner(ctx, np)
	if err != nil {
		return err
	}
	fmt.Printf("partner %s added: organisation %s (%s, id %d), role %s, writes %s\n",
		p.Login, p.OrgCode, p.OrgName, p.OrgID, p.Role, layerList(p))
	printKey(p.Login, key)
	return nil
}

func printKey(login, key string) {
	fmt.Printf("API key (shown once, store it now): %s\n", key)
	fmt.Printf("  send it as the header   X-API-Key: %s\n", key)
	fmt.Printf("  or as HTTP Basic        user %s, password the key\n", login)
}

func listPartners(ctx context.Context, store *postgis.PartnerStore) error {
	partners, err := store.ListPartners(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tORGANISATION\tROLE\tWRITES\tKEYS\tSTATUS\tCREATED")
	for _, p := range partners {
		status := "active"
		if p.DisabledAt != nil {
			status = "disabled " + p.DisabledAt.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s (id %d)\t%s\t%s\t%d\t%s\t%s\n", p.Login, p.OrgCode, p.OrgID, p.Role,
			layerList(p), p.ActiveKeys, status, p.CreatedAt.UTC().Format("2006-01-02"))
	}
	return tw.Flush()
}

// layerList returns the layers a partner may write, for display.
func layerList(p auth.Partner) string {
	switch {
	case p.Role == auth.RoleAdmin:
		return "every layer"
	case len(p.WriteLayers) == 0:
		return "no layer"
	}
	return strings.Join(p.WriteLayers, ",")
}
