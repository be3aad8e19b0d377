package store_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// column is one column as a migrated database describes it.
type column struct {
	NotNull    bool
	HasDefault bool
}

// index is one named index: its table, whether it is unique, and whether it is partial.
type index struct {
	Table   string
	Unique  bool
	Partial bool
}

// catalogue is a migrated database's tables (table → column → facts) and named indexes.
type catalogue struct {
	Tables  map[string]map[string]column
	Indexes map[string]index
}

// migrationTable is goose's own bookkeeping, not part of the product's schema.
const migrationTable = "goose_db_version"

func readCatalogue(t *testing.T, db *store.DB) catalogue {
	t.Helper()
	ctx := context.Background()
	conn := db.Conn(ctx)
	c := catalogue{Tables: map[string]map[string]column{}, Indexes: map[string]index{}}
	add := func(table, name string, col column) {
		if table == migrationTable {
			return
		}
		if c.Tables[table] == nil {
			c.Tables[table] = map[string]column{}
		}
		c.Tables[table][name] = col
	}
	switch db.Dialect() {
	case store.Postgres:
		var cols []struct {
			TableName, ColumnName, IsNullable string
			ColumnDefault                     *string
		}
		if err := conn.Raw(`SELECT table_name, column_name, is_nullable, column_default FROM information_schema.columns
			WHERE table_schema = current_schema()`).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		for _, col := range cols {
			add(col.TableName, col.ColumnName, column{NotNull: col.IsNullable == "NO", HasDefault: col.ColumnDefault != nil})
		}
		// Named indexes only: those backing a primary key or an inline UNIQUE constraint are
		// named by each dialect its own way.
		var idx []struct{ Indexname, Tablename, Indexdef string }
		if err := conn.Raw(`SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = current_schema()
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`).Scan(&idx).Error; err != nil {
			t.Fatal(err)
		}
		for _, i := range idx {
			if i.Tablename == migrationTable {
				continue
			}
			c.Indexes[i.Indexname] = index{Table: i.Tablename, Unique: strings.HasPrefix(i.Indexdef, "CREATE UNIQUE"),
				Partial: strings.Contains(i.Indexdef, " WHERE ")}
		}
	case store.SQLite:
		var tables []string
		if err := conn.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		for _, table := range tables {
			var cols []struct {
				Name      string
				NotNull   int     `gorm:"column:notnull"`
				DfltValue *string `gorm:"column:dflt_value"`
				Pk        int
			}
			if err := conn.Raw(`SELECT name, "notnull", dflt_value, pk FROM pragma_table_info(?)`, table).Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			for _, col := range cols {
				// SQLite lets a non-integer primary key hold NULL unless told otherwise; the
				// application never writes one, and Postgres's primary keys are NOT NULL.
				add(table, col.Name, column{NotNull: col.NotNull == 1 || col.Pk > 0, HasDefault: col.DfltValue != nil})
			}
		}
		var idx []struct {
			Name, TblName string
			SQL           *string `gorm:"column:sql"`
		}
		if err := conn.Raw(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).Scan(&idx).Error; err != nil {
			t.Fatal(err)
		}
		for _, i := range idx {
			if i.TblName == migrationTable {
				continue
			}
			def := strings.ToUpper(*i.SQL)
			c.Indexes[i.Name] = index{Table: i.TblName, Unique: strings.HasPrefix(def, "CREATE UNIQUE"),
				Partial: strings.Contains(def, " WHERE ")}
		}
	}
	return c
}

// TestSchemaSameInBothDialects: the SQLite and Postgres migrations produce the same tables,
// the same columns with the same nullability and presence of a default, and the same named
// indexes (unique and partial alike).
func TestSchemaSameInBothDialects(t *testing.T) {
	dialects := storetest.Dialects(t)
	if len(dialects) < 2 {
		t.Skip("Postgres is not reachable: nothing to compare SQLite with")
	}
	cats := map[store.Dialect]catalogue{}
	for _, d := range dialects {
		cats[d] = readCatalogue(t, storetest.MustOpen(t, d))
	}
	lite, pg := cats[store.SQLite], cats[store.Postgres]
	if len(lite.Tables) == 0 {
		t.Fatal("no tables read from SQLite")
	}
	for _, table := range union(keys(lite.Tables), keys(pg.Tables)) {
		l, lok := lite.Tables[table]
		p, pok := pg.Tables[table]
		if !lok || !pok {
			t.Errorf("table %s: in SQLite %v, in Postgres %v", table, lok, pok)
			continue
		}
		for _, name := range union(keys(l), keys(p)) {
			lc, lok := l[name]
			pc, pok := p[name]
			switch {
			case !lok || !pok:
				t.Errorf("column %s.%s: in SQLite %v, in Postgres %v", table, name, lok, pok)
			case lc != pc:
				t.Errorf("column %s.%s: SQLite %+v, Postgres %+v", table, name, lc, pc)
			}
		}
	}
	for _, name := range union(keys(lite.Indexes), keys(pg.Indexes)) {
		li, lok := lite.Indexes[name]
		pi, pok := pg.Indexes[name]
		switch {
		case !lok || !pok:
			t.Errorf("index %s: in SQLite %v, in Postgres %v", name, lok, pok)
		case li != pi:
			t.Errorf("index %s: SQLite %+v, Postgres %+v", name, li, pi)
		}
	}
}

// TestRowStructsMatchSchema: every GORM row struct's columns exist in its table in each
// dialect, and every NOT NULL column without a default is one of its fields (or an insert
// would fail). store.RowStructs must list every row struct: the package's source is read
// for types with a TableName method.
func TestRowStructsMatchSchema(t *testing.T) {
	declared := rowTypesInSource(t)
	listed := map[string]bool{}
	for _, r := range store.RowStructs {
		listed[reflect.TypeOf(r).Name()] = true
	}
	for _, name := range declared {
		if !listed[name] {
			t.Errorf("%s has a TableName method but is not in store.RowStructs (schema_export_test.go): add it", name)
		}
	}
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			cat := readCatalogue(t, storetest.MustOpen(t, d))
			for _, r := range store.RowStructs {
				s, err := schema.Parse(r, &sync.Map{}, schema.NamingStrategy{})
				if err != nil {
					t.Fatalf("%T: %v", r, err)
				}
				cols, ok := cat.Tables[s.Table]
				if !ok {
					t.Errorf("%T: table %s does not exist", r, s.Table)
					continue
				}
				fields := map[string]bool{}
				for _, f := range s.Fields {
					if f.DBName == "" || (!f.Creatable && !f.Updatable) {
						continue // not a column (a value read with the row, such as a subquery)
					}
					fields[f.DBName] = true
					if _, ok := cols[f.DBName]; !ok {
						t.Errorf("%T.%s: column %s.%s does not exist", r, f.Name, s.Table, f.DBName)
					}
				}
				for name, c := range cols {
					if c.NotNull && !c.HasDefault && !fields[name] {
						t.Errorf("%T: %s.%s is NOT NULL without a default but no field writes it", r, s.Table, name)
					}
				}
			}
		})
	}
}

// rowTypesInSource names the types of the package (non-test files) with a TableName method.
func rowTypesInSource(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "TableName" || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				out = append(out, id.Name)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no row structs found in the package source")
	}
	sort.Strings(out)
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(a, b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
