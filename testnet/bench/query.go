package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/govchain/govchain/node"
)

// QueryRate runs workers concurrent keep-alive connections, each sending
// GET /v1/certificates/{hash}?prove=true to one node's API for d, one
// request at a time (no pipelining). Every answer's status line and
// Content-Length are checked and its body read; one answer in
// verifyEvery (and the first) is decoded and verified on the client side
// (the record's ICS23 proof against the app hash, status valid). Worker w
// asks for hashes w, w+workers, ... in turn, so every hash is asked for
// once per pass over the list.
//
// The loop speaks HTTP/1.1 on the raw connection rather than through
// net/http's client, which costs ~90 µs of CPU a request: the client
// shares the machine's cores with the node it measures, and the figure is
// what the node serves.
func QueryRate(ctx context.Context, api string, hashes []string, d time.Duration, workers int) (*QueryResult, error) {
	if len(hashes) == 0 {
		return nil, fmt.Errorf("no anchored certificates to query")
	}
	body, err := getOnce(ctx, api, hashes[0])
	if err != nil {
		return nil, err
	}
	if err := checkAnswer(hashes[0], body); err != nil {
		return nil, err
	}
	res := &QueryResult{Workers: workers, Bytes: int64(len(body)), Certificates: len(hashes)}
	var mu sync.Mutex
	var firstErr error
	setErr := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := queryLoop(ctx, api, hashes, w, workers)
			if err != nil && ctx.Err() == nil {
				setErr(err)
			}
			mu.Lock()
			res.Queries += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.QPS = float64(res.Queries) / res.Seconds
	return res, firstErr
}

const verifyEvery = 997

func getOnce(ctx context.Context, api, hash string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+api+"/v1/certificates/"+hash+"?prove=true", nil)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("certificate %s: HTTP %d: %s", hash, resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

// checkAnswer verifies an answer the way a client would.
func checkAnswer(hash string, body []byte) error {
	var r node.CertificateResult
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("certificate %s: %w", hash, err)
	}
	chk, err := r.Verify(nil)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", hash, err)
	}
	if chk.Status != "valid" {
		return fmt.Errorf("certificate %s: status %s, want valid", hash, chk.Status)
	}
	return nil
}

// queryLoop sends requests on one connection until ctx ends and returns
// how many answers it read in full.
func queryLoop(ctx context.Context, api string, hashes []string, w, workers int) (int, error) {
	var dl net.Dialer
	conn, err := dl.DialContext(ctx, "tcp", api)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	br := bufio.NewReaderSize(conn, 64<<10)
	req := make([]byte, 0, 256)
	var body []byte
	n := 0
	for i := w; ctx.Err() == nil; i += workers {
		h := hashes[i%len(hashes)]
		req = append(req[:0], "GET /v1/certificates/"...)
		req = append(req, h...)
		req = append(req, "?prove=true HTTP/1.1\r\nHost: "...)
		req = append(req, api...)
		req = append(req, "\r\n\r\n"...)
		if _, err := conn.Write(req); err != nil {
			return n, err
		}
		status, length, err := readHead(br)
		if err != nil {
			return n, err
		}
		if cap(body) < length {
			body = make([]byte, length)
		}
		body = body[:length]
		if _, err := io.ReadFull(br, body); err != nil {
			return n, err
		}
		if status != 200 {
			return n, fmt.Errorf("certificate %s: HTTP %d: %s", h, status, bytes.TrimSpace(body))
		}
		if n%verifyEvery == verifyEvery-1 {
			if err := checkAnswer(h, body); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// readHead reads a status line and headers and returns the status code and
// Content-Length (required: the node sets it on every JSON answer).
func readHead(br *bufio.Reader) (int, int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil || length < 0 {
				return 0, 0, fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	if length < 0 {
		return 0, 0, fmt.Errorf("answer without Content-Length (status %d)", status)
	}
	return status, length, nil
}
