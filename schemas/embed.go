// Package schemas embeds the SQL migrations of the default data model.
//
// Files are named NNNN_name.sql and applied in lexical order, each in one
// transaction. The runner records applied versions in
// public.schema_migration and skips them on the next run.
package schemas

import "embed"

// FS contains the migration files (*.sql) of this directory.
//
//go:embed *.sql
var FS embed.FS
