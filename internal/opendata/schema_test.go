package opendata_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"constellate/internal/opendata"
	"constellate/internal/opendata/opendatatest"
	"constellate/internal/organisation"
)

// writePackage writes rows as a package with JSONWriter.
func writePackage(t *testing.T, rows []opendata.Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := opendata.NewJSONWriter(&buf)
	for _, r := range rows {
		if err := w.Write(opendata.BuildGrant(prefix, sampleRound(), r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPackageIsValid360Giving validates built packages against the 360Giving Data Standard
// schemas (1.4.3) with the DEI extension, offline (testdata/README.md): every region, every
// kind of recipient, with and without DEI details, with and without an end date.
func TestPackageIsValid360Giving(t *testing.T) {
	rows := sampleRows()
	for i, r := range organisation.Regions {
		row := rows[0]
		row.Reference = "SBS25-1" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		row.Recipient.Region = r
		row.Recipient.LedBy = []organisation.LedBy{organisation.LedByVocabulary[i].Term}
		row.Recipient.PublishLedBy = i%2 == 0
		rows = append(rows, row)
	}
	// Every term of the led_by vocabulary maps to codes of the DEI taxonomy codelist.
	all := rows[2]
	all.Reference = "SBS25-0200"
	all.Recipient.LedBy = nil
	for _, term := range organisation.LedByVocabulary {
		all.Recipient.LedBy = append(all.Recipient.LedBy, term.Term)
	}
	rows = append(rows, all)
	body := writePackage(t, rows)
	opendatatest.Validate(t, body)

	var pkg map[string]any
	if err := json.Unmarshal(body, &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg["version"] != "1.4" || len(pkg["grants"].([]any)) != len(rows) {
		t.Errorf("package version %v, %d grants", pkg["version"], len(pkg["grants"].([]any)))
	}
	if ext, _ := pkg["extensions"].([]any); len(ext) != 1 || ext[0] != "dei" {
		t.Errorf("extensions %v, want [dei]", pkg["extensions"])
	}

	// Without any DEI details the extension is not declared, and the package is still valid.
	plain := writePackage(t, sampleRows()[:2])
	opendatatest.Validate(t, plain)
	if bytes.Contains(plain, []byte("extensions")) || bytes.Contains(plain, []byte("deiDetails")) {
		t.Errorf("a package without DEI details declares the extension: %s", plain)
	}
	if !bytes.Contains(plain, []byte("@Arts & Crafts Ltd")) {
		t.Errorf("JSON escapes HTML characters: %s", plain)
	}
}

// TestSchemaCheckCatchesMistakes proves the validation is real: each broken package fails.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	good := string(writePackage(t, sampleRows()))
	for _, c := range []struct{ name, old, new string }{
		{"no grants", good[strings.Index(good, "[")+1 : strings.LastIndex(good, "]")], ""},
		{"amount as a string", `"amountAwarded":2500`, `"amountAwarded":"2500"`},
		{"bad award date", `"awardDate":"2025-04-15"`, `"awardDate":"2025-13-15"`},
		{"funder without a name", `"name":"360G-example"`, `"department":"x"`},
		{"unknown currency", `"currency":"GBP"`, `"currency":"XYZ"`},
		{"DEI area missing", `,"mission":{"askedStatus":"AS100"}`, ``},
		{"code outside the taxonomy", `"DEI040000"`, `"DEI999999"`},
		{"asked status outside its codelist", `"askedStatus":"AS200"`, `"askedStatus":"AS999"`},
		{"extension not declared", `,"extensions":["dei"]`, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("the package has no %q: %s", c.old, good)
			}
			broken := strings.Replace(good, c.old, c.new, 1)
			problems, err := opendatatest.Problems([]byte(broken))
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 {
				t.Errorf("accepted: %s", broken)
			}
		})
	}
}
