package tx

import "github.com/govchain/govchain/chain/errs"

// Envelope-level rejections (codespace "tx"). Numbers are stable.
var (
	ErrTooLarge       = errs.Register("tx", 2, "tx too large")
	ErrDecode         = errs.Register("tx", 3, "undecodable tx")
	ErrVersion        = errs.Register("tx", 4, "unsupported tx version")
	ErrChainID        = errs.Register("tx", 5, "wrong chain-id")
	ErrUnknownSigner  = errs.Register("tx", 6, "unknown signer")
	ErrSequence       = errs.Register("tx", 7, "wrong sequence")
	ErrSignature      = errs.Register("tx", 8, "invalid signature")
	ErrNonCanonical   = errs.Register("tx", 9, "non-canonical signature encoding")
	ErrUnknownMsgType = errs.Register("tx", 10, "unknown message type")
	ErrBadBody        = errs.Register("tx", 11, "invalid message body")
	ErrUnauthorized   = errs.Register("tx", 12, "unauthorized")
	ErrSignerInactive = errs.Register("tx", 13, "signer not active")
)
