package clikit

import (
	"fmt"
	"io"
	"os"
)

// Every file the CLI reads (and stdin) is read through ReadFileMax or
// CapReader, so a wrong path (/dev/zero, a disk image) ends in a clear
// error instead of filling memory.
const (
	// MaxSmallFile: keys, passphrases, certificates, CRLs, trust roots,
	// department and parameter files.
	MaxSmallFile = 1 << 20
	// MaxDataFile: catalogs, certificate batch files, credit details,
	// verification bundles, genesis files.
	MaxDataFile = 64 << 20
	// MaxHashedFile: a certificate file hashed with SM3 (streamed).
	MaxHashedFile = 1 << 30
)

// errTooLarge names the file and the limit it passed.
func errTooLarge(name string, limit int64) error {
	return fmt.Errorf("%s is larger than %s, the most govchain reads for it", name, sizeString(limit))
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFileMax reads path ("-" = stdin) whole, refusing more than limit bytes.
func ReadFileMax(path string, limit int64) ([]byte, error) {
	var r io.Reader = os.Stdin
	name := path
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return io.ReadAll(CapReader(r, name, limit))
}

// CapReader passes r through and fails past limit bytes with an error
// naming name and the limit.
func CapReader(r io.Reader, name string, limit int64) io.Reader {
	return &capReader{r: r, name: name, left: limit, limit: limit}
}

type capReader struct {
	r           io.Reader
	name        string
	left, limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, err := c.r.Read(one[:]); n > 0 {
			return 0, errTooLarge(c.name, c.limit)
		} else if err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
