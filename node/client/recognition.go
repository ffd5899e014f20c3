package client

import (
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// RecognitionResult is GET /v1/recognition/{hash} (rectypes, the
// recognition module's light package, defines it and its Verify).
type RecognitionResult = rectypes.RecognitionResult

// CertStatusOfRecognition names a recognition's status in the certificate
// API's vocabulary (certtypes.StatusOfRecognition).
func CertStatusOfRecognition(s string) string { return certtypes.StatusOfRecognition(s) }
