package api_test

import (
	"context"
	"net/http"
	"testing"

	"constellate/api/apitest"
)

// TestApplicationsDatabaseGuards: the database itself keeps one live application per
// organisation per round and refuses to change or delete a revision, whatever the code
// above it does.
func TestApplicationsDatabaseGuards(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.submitted(t, w.roundID)["id"].(string)
		db := env.DB.Conn(context.Background())

		dup := db.Exec(`INSERT INTO applications (id, round_id, organisation_id, status, started_at, created_by, created_at, updated_at)
			SELECT '01900000-0000-7000-8000-0000000000aa', round_id, organisation_id, 'draft', started_at, created_by, created_at, updated_at
			FROM applications WHERE id = ?`, id)
		if dup.Error == nil {
			t.Error("a second live application for the same organisation and round was stored")
		}
		if err := db.Exec("UPDATE application_revisions SET title = 'changed' WHERE application_id = ?", id).Error; err == nil {
			t.Error("a revision was changed")
		}
		if err := db.Exec("DELETE FROM application_revisions WHERE application_id = ?", id).Error; err == nil {
			t.Error("a revision was deleted")
		}
		// Withdrawn applications do not hold the place.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/withdraw", Token: w.owner.Token})
		if err := db.Exec(`INSERT INTO applications (id, round_id, organisation_id, status, started_at, created_by, created_at, updated_at)
			SELECT '01900000-0000-7000-8000-0000000000ab', round_id, organisation_id, 'draft', started_at, created_by, created_at, updated_at
			FROM applications WHERE id = ?`, id).Error; err != nil {
			t.Errorf("a new application after withdrawal was refused: %v", err)
		}
	})
}
