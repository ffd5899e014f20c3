//go:build !unix

package badgerdb

import "io/fs"

// allocatedSize falls back to the apparent size where block counts are not
// exposed; preallocated badger files are then over-counted.
func allocatedSize(info fs.FileInfo) int64 { return info.Size() }
