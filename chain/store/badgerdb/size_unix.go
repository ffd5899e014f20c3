//go:build unix

package badgerdb

import (
	"io/fs"
	"syscall"
)

// allocatedSize returns the bytes actually allocated on disk. badger
// preallocates its value log (2x ValueLogFileSize) and memtable WAL files as
// sparse files, so the apparent size would report ~160 MiB for an empty DB.
func allocatedSize(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}
