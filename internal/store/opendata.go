package store

import (
	"context"

	"constellate/internal/award"
	"constellate/internal/opendata"
	"constellate/internal/organisation"
	"constellate/internal/round"
)

// OpenDataStore reads what the 360Giving export publishes (internal/opendata): a round
// with its programme's name, and its awards with the published parts of their applications
// and organisations. It selects no contact, postcode, bank or answer column.
type OpenDataStore struct{ db *DB }

// NewOpenDataStore returns the open data store on db.
func NewOpenDataStore(db *DB) *OpenDataStore { return &OpenDataStore{db: db} }

var _ opendata.Source = (*OpenDataStore)(nil)

// Round reads the round and its programme's name.
func (s *OpenDataStore) Round(ctx context.Context, id string) (opendata.Round, error) {
	var r struct {
		ID, Name, Status, ProgrammeName string
		ReportSchedule                  round.ReportSchedule `gorm:"serializer:json"`
	}
	err := s.db.conn(ctx).Table("rounds").
		Select("rounds.id, rounds.name, rounds.status, rounds.report_schedule, programmes.name AS programme_name").
		Joins("JOIN programmes ON programmes.id = rounds.programme_id").
		Where("rounds.id = ?", id).Take(&r).Error
	if err != nil {
		return opendata.Round{}, Translate(err, "round")
	}
	return opendata.Round{ID: r.ID, Name: r.Name, Status: round.Status(r.Status), ProgrammeName: r.ProgrammeName,
		ReportSchedule: r.ReportSchedule}, nil
}

// openDataRow is one award as the export reads it.
type openDataRow struct {
	Reference        *string
	Title            string
	Summary          string
	Amount           int64
	Currency         string
	OfferedAt        Timestamp
	OrganisationID   string
	OrganisationName string
	CharityNumber    string
	CompanyNumber    string
	Region           string
	LedBy            []string `gorm:"serializer:json"`
	PublishLedBy     bool
}

// EachGrant streams the round's awards that are not declined or withdrawn to fn, one row
// in memory at a time, in reference order.
func (s *OpenDataStore) EachGrant(ctx context.Context, roundID string, fn func(opendata.Row) error) error {
	q := s.db.conn(ctx).Table("awards").
		Select("applications.reference, applications.title, applications.summary, awards.amount, awards.currency, awards.offered_at, "+
			"organisations.id AS organisation_id, organisations.name AS organisation_name, organisations.charity_number, "+
			"organisations.company_number, organisations.region, organisations.led_by, organisations.publish_led_by").
		Joins("JOIN applications ON applications.id = awards.application_id").
		Joins("JOIN organisations ON organisations.id = awards.organisation_id").
		Where("awards.round_id = ? AND awards.status NOT IN ?", roundID, []string{string(award.StatusDeclined), string(award.StatusWithdrawn)}).
		Order("applications.reference").Order("awards.id")
	rows, err := q.Rows()
	if err != nil {
		return Translate(err, "awards")
	}
	defer rows.Close()
	for rows.Next() {
		var r openDataRow
		if err := q.ScanRows(rows, &r); err != nil {
			return Translate(err, "awards")
		}
		led := make([]organisation.LedBy, len(r.LedBy))
		for i, l := range r.LedBy {
			led[i] = organisation.LedBy(l)
		}
		row := opendata.Row{Title: r.Title, Summary: r.Summary, Amount: r.Amount, Currency: r.Currency, OfferedAt: r.OfferedAt.Time(),
			Recipient: opendata.Recipient{ID: r.OrganisationID, Name: r.OrganisationName, CharityNumber: r.CharityNumber,
				CompanyNumber: r.CompanyNumber, Region: organisation.Region(r.Region), LedBy: led, PublishLedBy: r.PublishLedBy}}
		if r.Reference != nil {
			row.Reference = *r.Reference
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return Translate(rows.Err(), "awards")
}
