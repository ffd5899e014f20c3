package client

import (
	"context"
	"encoding/json"

	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// RecognitionResult is GET /v1/recognition/{hash} (rectypes, the
// recognition module's light package, defines it and its Verify).
type RecognitionResult = rectypes.RecognitionResult

// CertStatusOfRecognition names a recognition's status in the certificate
// API's vocabulary (certtypes.StatusOfRecognition).
func CertStatusOfRecognition(s string) string { return certtypes.StatusOfRecognition(s) }

// Agreements lists the recognition agreements the chain holds for partner
// (recognition/agreement/<partner>/…): the partner types it recognises.
func (c *Client) Agreements(ctx context.Context, partner string) ([]rectypes.AgreementRecord, error) {
	entries, err := c.ListAll(ctx, rectypes.AgreementPrefix(partner))
	if err != nil {
		return nil, err
	}
	var out []rectypes.AgreementRecord
	for _, e := range entries {
		var a rectypes.AgreementRecord
		if err := json.Unmarshal(e.Value, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
