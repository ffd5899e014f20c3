package client

import "github.com/govchain/govchain/contracts/certificate/certtypes"

// The certificate routes' answers and their proof checks are the
// certificate module's (contracts/certificate/certtypes, answer.go); the
// names here keep the client's API whole.
type (
	CertificateResult = certtypes.CertificateResult
	CertificateList   = certtypes.CertificateList
	CertificateCheck  = certtypes.CertificateCheck
)
