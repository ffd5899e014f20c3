package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node/client"
)

// CertType is the certificate type the bench anchors (every department
// holds the grant issuer:BL in bench networks).
const CertType = "BL"

// Grants every bench department gets.
func Grants(validators int) map[string][]string {
	g := map[string][]string{}
	for _, d := range deptCodes(validators) {
		g[d] = []string{certificate.IssuerGrant(CertType)}
	}
	return g
}

func deptCodes(n int) []string {
	codes := []string{"ZWFW", "SCJG", "RSJ", "WJW", "ZJW", "JW", "MZJ", "SFJ"}
	return codes[:n]
}

// unsignedLoad makes count random txs of size bytes in perNode queues per
// node (the no-op and IAVL-only apps take any bytes).
func unsignedLoad(nodes, perNode, count, size int) *Load {
	l := NewLoad(count)
	qs := make([]*Queue, 0, nodes*perNode)
	for i := 0; i < nodes*perNode; i++ {
		qs = append(qs, l.NewQueue(i%nodes))
	}
	buf := make([]byte, count*size)
	_, _ = rand.Read(buf)
	for i := 0; i < count; i++ {
		raw := buf[i*size : (i+1)*size : (i+1)*size]
		binary.BigEndian.PutUint64(raw, uint64(i)) // unique even if rand repeats
		l.Add(qs[i%len(qs)], raw)
	}
	return l
}

// Signers are operator keys registered on the network, each bound to its
// department's node, with their next sequence.
type Signers struct {
	ChainID string
	Keys    []*smcrypto.PrivateKey
	Node    []int
	Next    []uint64
	nonce   string
	day     time.Time
}

// SetupSigners defines the bench certificate type and registers perNode
// operator keys per department (by its admin key, on its node).
func SetupSigners(ctx context.Context, n *Net, perNode int) (*Signers, error) {
	s := &Signers{ChainID: n.ChainID, nonce: hex.EncodeToString(randBytes(8))}
	st, err := n.Client(0).Status(ctx)
	if err != nil {
		return nil, err
	}
	bt, err := time.Parse(time.RFC3339, st.BlockTime)
	if err != nil {
		return nil, err
	}
	// The issue date must not be after the block date (China Standard Time).
	s.day = bt.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1)
	admins := make([]*client.Signer, len(n.Nodes))
	for i := range n.Nodes {
		k, err := n.DeptKey(i)
		if err != nil {
			return nil, err
		}
		if admins[i], err = client.NewSigner(ctx, n.Client(i), n.ChainID, k); err != nil {
			return nil, err
		}
	}
	if _, err := admins[0].Send(ctx, n.Client(0), certificate.MsgDefineType,
		certificate.DefineType{Code: CertType, Name: "营业执照 business licence (bench)", MaxValidityDays: 1825}, "commit"); err != nil {
		return nil, fmt.Errorf("define type: %w", err)
	}
	s.Keys = make([]*smcrypto.PrivateKey, len(n.Nodes)*perNode)
	s.Node = make([]int, len(s.Keys))
	s.Next = make([]uint64, len(s.Keys))
	for j := range s.Keys {
		if s.Keys[j], err = smcrypto.GenerateKey(); err != nil {
			return nil, err
		}
		s.Node[j] = j % len(n.Nodes)
		s.Next[j] = 1
	}
	errc := make(chan error, len(n.Nodes))
	for i := range n.Nodes {
		go func() {
			c := n.Client(i)
			var mine []int
			for j := range s.Keys {
				if s.Node[j] == i {
					mine = append(mine, j)
				}
			}
			for x, j := range mine {
				wait := "sync"
				if x == len(mine)-1 {
					wait = "commit"
				}
				m, err := admins[i].RegisterAccount(s.Keys[j], fmt.Sprintf("bench operator %d", j))
				if err != nil {
					errc <- err
					return
				}
				if _, err := admins[i].Send(ctx, c, identity.MsgRegisterAccount, m, wait); err != nil {
					errc <- fmt.Errorf("register bench signer %d on node %d: %w", j, i, err)
					return
				}
			}
			errc <- nil
		}()
	}
	for range n.Nodes {
		if err := <-errc; err != nil {
			return nil, err
		}
	}
	return s, s.Sync(ctx, n)
}

// Sync reads every signer's next sequence from its node, so the next load
// is built on exactly what the chain holds. It returns how many txs the
// signers committed since the last Sync (through Committed).
func (s *Signers) Sync(ctx context.Context, n *Net) error {
	_, err := s.sync(ctx, n)
	return err
}

func (s *Signers) sync(ctx context.Context, n *Net) (uint64, error) {
	var mu sync.Mutex
	var total uint64
	var first error
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for j, k := range s.Keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a, err := n.Client(s.Node[j]).Account(ctx, k.PublicKey().ID())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			if a.NextSequence >= s.Next[j] {
				total += a.NextSequence - s.Next[j]
			}
			s.Next[j] = a.NextSequence
		}()
	}
	wg.Wait()
	return total, first
}

// Committed syncs the sequences and returns the number of txs the signers
// got committed successfully since the previous sync: each successful tx
// bumps its signer's sequence by one, a tx failing in its block does not.
func (s *Signers) Committed(ctx context.Context, n *Net) (uint64, error) {
	return s.sync(ctx, n)
}

// anchorLoad builds count one-certificate anchor txs spread over all
// signers (sequences from Next; Next is not advanced: call Sync after the
// run), signing on every core.
func (s *Signers) anchorLoad(count int, tag string) (*Load, error) {
	holder, err := benchUSCC()
	if err != nil {
		return nil, err
	}
	issue := s.day.Format("2006-01-02")
	until := s.day.AddDate(4, 0, 0).Format("2006-01-02")
	return s.build(count, func(j, x int) (string, any) {
		h := smcrypto.SM3Hex([]byte(fmt.Sprintf("bench/%s/%s/%d/%d", s.nonce, tag, j, x)))
		return certificate.MsgAnchor, certificate.Anchor{Hash: h, Type: CertType, LicenceNo: fmt.Sprintf("BL-%s-%d-%d", tag, j, x),
			HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: issue, ValidFrom: issue, ValidUntil: until}
	})
}

// batchLoad builds count anchor_batch txs of size members each (the chain
// records the root and count; the members' tree is the issuer's work).
func (s *Signers) batchLoad(count int, size uint64) (*Load, error) {
	issue := s.day.Format("2006-01-02")
	return s.build(count, func(j, x int) (string, any) {
		root := smcrypto.SM3Hex([]byte(fmt.Sprintf("bench/%s/batch/%d/%d", s.nonce, j, x)))
		return certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: CertType, Root: root, Count: size, IssueDate: issue}
	})
}

// build signs count txs, signer j's x-th made by msg(j, x), one queue per
// signer in sequence order.
func (s *Signers) build(count int, msg func(j, x int) (string, any)) (*Load, error) {
	per := (count + len(s.Keys) - 1) / len(s.Keys)
	raws := make([][][]byte, len(s.Keys))
	jobs := make(chan int)
	errc := make(chan error, runtime.NumCPU())
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for j := range jobs {
				k := s.Keys[j]
				out := make([][]byte, 0, per)
				for x := 0; x < per && first == nil; x++ {
					typ, m := msg(j, x)
					body, err := json.Marshal(m)
					if err != nil {
						first = err
						break
					}
					t := &tx.Tx{ChainID: s.ChainID, Type: typ, Signer: k.PublicKey().ID(), Sequence: s.Next[j] + uint64(x), Body: body}
					if err := t.Sign(k); err != nil {
						first = err
						break
					}
					out = append(out, t.Encode())
				}
				raws[j] = out
			}
			errc <- first
		}()
	}
	for j := range s.Keys {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return nil, err
		}
	}
	l := NewLoad(per * len(s.Keys))
	for j := range s.Keys {
		q := l.NewQueue(s.Node[j])
		for _, r := range raws[j] {
			l.Add(q, r)
		}
	}
	return l, nil
}

// AnchorTxSize is the size of a bench anchor tx (the unsigned loads of the
// engine rows use the same size).
func AnchorTxSize() (int, error) {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		return 0, err
	}
	s := &Signers{ChainID: "govchain-bench", Keys: []*smcrypto.PrivateKey{k}, Node: []int{0}, Next: []uint64{1}, nonce: "0000000000000000", day: time.Now()}
	l, err := s.anchorLoad(8, "size")
	if err != nil {
		return 0, err
	}
	total := 0
	for _, it := range l.items {
		total += len(it.raw)
	}
	return total / len(l.items), nil
}

// benchUSCC is a valid unified social credit code of a fictional company.
func benchUSCC() (string, error) {
	body := "91350100MA0000001"
	c, err := identifier.USCCCheckChar(body)
	if err != nil {
		return "", err
	}
	return body + string(c), nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// committedCertHashes returns the hashes of the certificates the load
// anchored (committed ones), for the proof-query row.
func (l *Load) committedCertHashes() []string {
	var out []string
	for i := range l.items {
		if l.items[i].height == 0 {
			continue
		}
		t, err := tx.Decode(l.items[i].raw, 0)
		if err != nil || t.Type != certificate.MsgAnchor {
			continue
		}
		var a certificate.Anchor
		if json.Unmarshal(t.Body, &a) == nil {
			out = append(out, a.Hash)
		}
	}
	return out
}
