// Command licence is the Fabric partner's licence chaincode used by the
// recognition tests: a registry of e-certificate hashes whose records have
// the shape of govchain's certificate records (cert/rec/<hash> there), kept
// under the key "cert/<hash>". The issuer is the MSP of the submitting
// client, taken from its signed identity, never from the arguments.
//
// It runs as a plain process started by the peer's external builder
// (builder/bin/run), which passes the peer's run metadata file.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/hyperledger/fabric-chaincode-go/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/shim"
	pb "github.com/hyperledger/fabric-protos-go/peer"
)

// Record is a licence record (json names as govchain's certificate.Record).
type Record struct {
	Hash       string `json:"hash"`
	Type       string `json:"type"`
	Issuer     string `json:"issuer"`
	LicenceNo  string `json:"licence_no,omitempty"`
	HolderKind string `json:"holder_kind,omitempty"`
	HolderRef  string `json:"holder_ref,omitempty"`
	IssueDate  string `json:"issue_date"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
}

var hashRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

type licence struct{}

func (licence) Init(shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

func (licence) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	fn, args := stub.GetFunctionAndParameters()
	switch {
	case fn == "anchor" && len(args) == 1:
		var r Record
		if err := json.Unmarshal([]byte(args[0]), &r); err != nil {
			return shim.Error("record: " + err.Error())
		}
		if !hashRe.MatchString(r.Hash) || r.Type == "" || r.IssueDate == "" {
			return shim.Error("record needs hash (64 lower-case hex), type and issue_date")
		}
		if old, err := stub.GetState("cert/" + r.Hash); err != nil || old != nil {
			return shim.Error(fmt.Sprintf("certificate %s already anchored", r.Hash))
		}
		msp, err := cid.GetMSPID(stub)
		if err != nil {
			return shim.Error(err.Error())
		}
		r.Issuer, r.Status, r.Reason = msp, "valid", ""
		b, _ := json.Marshal(r)
		if err := stub.PutState("cert/"+r.Hash, b); err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(b)
	case fn == "revoke" && len(args) == 2:
		b, err := stub.GetState("cert/" + args[0])
		if err != nil || b == nil {
			return shim.Error(fmt.Sprintf("no certificate %s", args[0]))
		}
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			return shim.Error(err.Error())
		}
		msp, err := cid.GetMSPID(stub)
		if err != nil || msp != r.Issuer {
			return shim.Error(fmt.Sprintf("only %s may revoke %s", r.Issuer, r.Hash))
		}
		if r.Status == "revoked" {
			return shim.Error("already revoked")
		}
		r.Status, r.Reason = "revoked", args[1]
		b, _ = json.Marshal(r)
		if err := stub.PutState("cert/"+r.Hash, b); err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(b)
	case fn == "attest" && len(args) == 1:
		// A fresh, endorsed and ordered statement of the current record:
		// it reads cert/<hash> (so MVCC validation fails it if the record
		// changes before commit) and writes the same bytes to
		// attest/<hash>. Relayers submit it to prove a record's current
		// status to govchain.
		b, err := stub.GetState("cert/" + args[0])
		if err != nil || b == nil {
			return shim.Error(fmt.Sprintf("no certificate %s", args[0]))
		}
		if err := stub.PutState("attest/"+args[0], b); err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(b)
	case fn == "list" && len(args) == 1:
		it, err := stub.GetStateByRange("cert/", "cert0")
		if err != nil {
			return shim.Error(err.Error())
		}
		defer it.Close()
		hashes := []string{}
		for it.HasNext() {
			kv, err := it.Next()
			if err != nil {
				return shim.Error(err.Error())
			}
			var r Record
			if json.Unmarshal(kv.Value, &r) == nil && r.Type == args[0] {
				hashes = append(hashes, r.Hash)
			}
		}
		b, _ := json.Marshal(hashes)
		return shim.Success(b)
	case fn == "get" && len(args) == 1:
		b, err := stub.GetState("cert/" + args[0])
		if err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(b)
	}
	return shim.Error(fmt.Sprintf("unknown call %s/%d: anchor RECORD_JSON | revoke HASH REASON | attest HASH | get HASH | list TYPE", fn, len(args)))
}

// runMetadata is the peer's chaincode.json for an external builder's run.
type runMetadata struct {
	ChaincodeID string `json:"chaincode_id"`
	PeerAddress string `json:"peer_address"`
	MSPID       string `json:"mspid"`
	// With TLS on: the client certificate and key the peer issued for this
	// chaincode, and the peer's TLS root, PEM.
	ClientCert string `json:"client_cert"`
	ClientKey  string `json:"client_key"`
	RootCert   string `json:"root_cert"`
}

func main() {
	if path := os.Getenv("RUN_METADATA"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var m runMetadata
		if err := json.Unmarshal(b, &m); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("CORE_CHAINCODE_ID_NAME", m.ChaincodeID)
		os.Setenv("CORE_PEER_LOCALMSPID", m.MSPID)
		os.Setenv("CORE_PEER_TLS_ENABLED", "false")
		if m.ClientCert != "" {
			dir, err := os.MkdirTemp("", "licence-tls")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			for env, v := range map[string]string{"CORE_TLS_CLIENT_CERT_FILE": m.ClientCert, "CORE_TLS_CLIENT_KEY_FILE": m.ClientKey, "CORE_PEER_TLS_ROOTCERT_FILE": m.RootCert} {
				f := dir + "/" + env
				if err := os.WriteFile(f, []byte(v), 0o600); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				os.Setenv(env, f)
			}
			os.Setenv("CORE_PEER_TLS_ENABLED", "true")
		}
		if err := flag.Set("peer.address", m.PeerAddress); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := shim.Start(licence{}); err != nil {
		fmt.Fprintln(os.Stderr, "licence chaincode:", err)
		os.Exit(1)
	}
}
