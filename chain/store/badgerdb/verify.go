package badgerdb

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// TableDamage is a table file of a badger directory that fails its own
// checksums (its bytes changed on disk after badger wrote it).
type TableDamage struct {
	File string
	Err  error
}

func (e *TableDamage) Error() string {
	return fmt.Sprintf("table %s fails its checksum: %v", e.File, e.Err)
}

// VerifyTables checks every table (*.sst) in dir against the checksums
// badger wrote with it, before badger opens them: badger itself verifies
// only a table's index on open, so a table whose data blocks rotted would
// serve wrong values. It reads every table once. Badger's own
// VerifyChecksum dereferences nil when a block does not even decode
// (v4.9.6, in the goroutine that opens the tables); here each table is
// opened and checked in the caller's goroutine and a panic is reported
// as damage. The write-ahead logs (*.mem, *.vlog) carry per-entry
// checksums that badger checks as it replays them.
func VerifyTables(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	bo := badger.DefaultOptions(dir)
	opts := table.Options{ChkMode: options.NoVerification, BlockSize: bo.BlockSize, BloomFalsePositive: bo.BloomFalsePositive,
		Compression: bo.Compression, ZSTDCompressionLevel: bo.ZSTDCompressionLevel}
	for _, f := range files {
		if err := verifyTable(f, opts); err != nil {
			return &TableDamage{File: f, Err: err}
		}
	}
	return nil
}

func verifyTable(path string, opts table.Options) (err error) {
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil && err != z.NewFile {
		return err
	}
	var t *table.Table
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a data block does not decode")
		}
		if t != nil {
			_ = t.MmapFile.Close(-1) // not DecrRef: that deletes the file
		}
	}()
	if t, err = table.OpenTable(mf, opts); err != nil {
		return err
	}
	return t.VerifyChecksum()
}
