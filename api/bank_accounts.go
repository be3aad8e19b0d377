package api

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/organisation"
	"constellate/internal/secretbox"
)

// BankAccountRequest gives or replaces an organisation's bank account.
type BankAccountRequest struct {
	AccountName   string `json:"account_name" validate:"required" example:"Hillside Peer Support"`
	SortCode      string `json:"sort_code" validate:"required" example:"12-34-56"`
	AccountNumber string `json:"account_number" validate:"required" example:"12345678"`
	HeldBy        string `json:"held_by" validate:"required" enums:"organisation,host_organisation"`
	// With held_by host_organisation: host_name, and any one of host_charity_number,
	// host_company_number or host_description (CICs, churches and community associations
	// host groups too).
	HostName          string `json:"host_name" example:"Leeds Community Foundation"`
	HostCharityNumber string `json:"host_charity_number" example:"1096892"`
	HostCompanyNumber string `json:"host_company_number" example:"SC123456"`
	HostDescription   string `json:"host_description" example:"St Mark's Church, Harehills, which holds our money"`
} // @name BankAccountRequest

// BankAccountResponse is a bank account: in full to finance, masked (masked: true,
// account_number ****1234, sort_code **-**-56) to the organisation's members.
type BankAccountResponse struct {
	ID                string     `json:"id"`
	OrganisationID    string     `json:"organisation_id"`
	AccountName       string     `json:"account_name"`
	SortCode          string     `json:"sort_code"`
	AccountNumber     string     `json:"account_number"`
	HeldBy            string     `json:"held_by" enums:"organisation,host_organisation"`
	HostName          string     `json:"host_name"`
	HostCharityNumber string     `json:"host_charity_number"`
	HostCompanyNumber string     `json:"host_company_number"`
	HostDescription   string     `json:"host_description"`
	Masked            bool       `json:"masked"`
	ChangedAt         time.Time  `json:"changed_at"`
	CoolingOffUntil   *time.Time `json:"cooling_off_until" extensions:"x-nullable"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
} // @name BankAccount

func bankAccountResponse(a organisation.BankAccount) BankAccountResponse {
	return BankAccountResponse{ID: a.ID, OrganisationID: a.OrganisationID, AccountName: a.AccountName, SortCode: a.SortCode,
		AccountNumber: a.AccountNumber, HeldBy: string(a.HeldBy), HostName: a.HostName, HostCharityNumber: a.HostCharityNumber,
		HostCompanyNumber: a.HostCompanyNumber, HostDescription: a.HostDescription, Masked: a.Masked, ChangedAt: a.ChangedAt, CoolingOffUntil: a.CoolingOffUntil, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// putBankAccount godoc
//
//	@Summary		Give or replace the bank account (owners)
//	@Description	Stored encrypted. The response is masked. An account held by a host organisation (held_by host_organisation: an unincorporated group paid through a named host) needs host_name and any one of host_charity_number, host_company_number or host_description (CICs, churches and community associations host groups too); with held_by organisation the host fields must be empty. Replacing an existing account with different details starts a cooling-off period (cooling_off_until) during which the organisation's payments cannot be approved, and the owners are notified. With If-Match, a stale version answers 412.
//	@Tags			organisations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"organisation id"
//	@Param			If-Match	header		string				false	"the ETag last read"
//	@Param			body		body		BankAccountRequest	true	"the account"
//	@Success		200			{object}	BankAccount
//	@Header			200			{string}	ETag	"the bank account's version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/organisations/{id}/bank-account [put]
func (s *Server) putBankAccount(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req BankAccountRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Organisations.SetBankAccount(ctx, auth.ActorFrom(ctx), id, match, organisation.BankDetails{
			AccountName: req.AccountName, SortCode: req.SortCode, AccountNumber: req.AccountNumber,
			HeldBy: organisation.HeldBy(req.HeldBy), HostName: req.HostName, HostCharityNumber: req.HostCharityNumber,
			HostCompanyNumber: req.HostCompanyNumber, HostDescription: req.HostDescription})
		if err != nil {
			return reply{}, err
		}
		return okVersioned(bankAccountResponse(a), a.Version), nil
	})
}

// getBankAccount godoc
//
//	@Summary		Get the bank account
//	@Description	In full only to finance (each read is audited as bank_account.read); masked to the organisation's members; to anyone else, grants managers and panel members included, it does not exist (404).
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"organisation id"
//	@Success		200	{object}	BankAccount
//	@Header			200	{string}	ETag	"the bank account's version, for If-Match"
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/organisations/{id}/bank-account [get]
func (s *Server) getBankAccount(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Organisations.BankAccount(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(bankAccountResponse(a), a.Version), nil
	})
}

// encryptionKeyring is the keyring that seals bank details: CONSTELLATE_ENCRYPTION_KEY, or
// (embedded SQLite, where configuration allows it to be unset) a key generated and kept in
// the data directory.
func encryptionKeyring(cfg config.Config) (*secretbox.Keyring, error) {
	key := cfg.EncryptionKey
	if len(key) == 0 {
		var err error
		if key, err = secretbox.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "encryption-key")); err != nil {
			return nil, fmt.Errorf("CONSTELLATE_ENCRYPTION_KEY: %w", err)
		}
	}
	// Older keys only decrypt: bank details sealed before a rotation stay readable, and
	// every change seals with the current key.
	k, err := secretbox.New(key, cfg.PreviousKeys...)
	if err != nil {
		return nil, fmt.Errorf("CONSTELLATE_ENCRYPTION_KEY: %w", err)
	}
	return k, nil
}
