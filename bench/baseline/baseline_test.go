package baseline

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestRankingSQLMatchesTheService reads internal/store's rankingSQL and checks the
// baseline's copy is the same text with GORM's positional parameters.
func TestRankingSQLMatchesTheService(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../internal/store/ranking.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var service string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "rankingSQL" {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			t.Fatal("rankingSQL is not a literal")
		}
		if service, err = strconv.Unquote(lit.Value); err != nil {
			t.Fatal(err)
		}
		return false
	})
	if service == "" {
		t.Fatal("internal/store/ranking.go has no rankingSQL")
	}
	for i := 1; i <= 3; i++ {
		service = strings.Replace(service, "@round", "$"+strconv.Itoa(i), 1)
	}
	service = strings.Replace(strings.Replace(service, "@after", "$4", 1), "@limit", "$5", 1)
	if service != rankingSQL {
		t.Fatalf("the service's ranking query changed; copy it into bench/baseline (positional parameters):\n%s", service)
	}
}
