package state

import (
	"bytes"

	corestore "cosmossdk.io/core/store"
)

// Read is one key a Recorder saw read from its parent, with the value it
// had then (nil: absent).
type Read struct {
	Key, Value []byte
}

// Recorder passes everything through to its parent KV and remembers what
// was read from it (each key's first read, before any write to that key
// through the recorder) and what was written to it, in order. With a Cache
// on top, the reads are the parent state a transaction depended on and the
// writes are its effects (Cache.Write flushes them in key order): a
// deterministic function of those reads gives the same writes again as
// long as every read key still holds the recorded value (Unchanged).
// A range read cannot be checked that way, so it marks the record Ranged.
type Recorder struct {
	parent KV
	reads  []Read
	writes []entry
	ranged bool
}

func NewRecorder(parent KV) *Recorder {
	return &Recorder{parent: parent, reads: make([]Read, 0, 8), writes: make([]entry, 0, 8)}
}

func (r *Recorder) seen(key []byte) bool {
	for i := range r.writes {
		if bytes.Equal(r.writes[i].key, key) {
			return true
		}
	}
	for i := range r.reads {
		if bytes.Equal(r.reads[i].Key, key) {
			return true
		}
	}
	return false
}

func (r *Recorder) Get(key []byte) ([]byte, error) {
	v, err := r.parent.Get(key)
	if err == nil && !r.seen(key) {
		r.reads = append(r.reads, Read{Key: bytes.Clone(key), Value: v})
	}
	return v, err
}

func (r *Recorder) Has(key []byte) (bool, error) {
	v, err := r.Get(key)
	return v != nil, err
}

func (r *Recorder) Set(key, value []byte) error {
	if err := r.parent.Set(key, value); err != nil {
		return err
	}
	r.wrote(entry{key: key, value: value})
	return nil
}

func (r *Recorder) Delete(key []byte) error {
	if err := r.parent.Delete(key); err != nil {
		return err
	}
	r.wrote(entry{key: key, deleted: true})
	return nil
}

func (r *Recorder) wrote(e entry) { r.writes = append(r.writes, e) }

func (r *Recorder) Iterator(start, end []byte, ascending bool) (corestore.Iterator, error) {
	r.ranged = true
	return r.parent.Iterator(start, end, ascending)
}

// Ranged reports whether a range was read (the reads do not capture it).
func (r *Recorder) Ranged() bool { return r.ranged }

// Effects returns what was recorded: the point reads and the writes in the
// order they were made. The recorder must not be used afterwards.
func (r *Recorder) Effects() Effects {
	return Effects{Reads: r.reads, writes: r.writes}
}

// Effects are the reads and writes a Recorder saw.
type Effects struct {
	Reads  []Read
	writes []entry
}

// Unchanged reports whether every recorded read key still holds, in kv,
// the value recorded.
func (e *Effects) Unchanged(kv KV) (bool, error) {
	for _, rd := range e.Reads {
		v, err := kv.Get(rd.Key)
		if err != nil {
			return false, err
		}
		if (v == nil) != (rd.Value == nil) || !bytes.Equal(v, rd.Value) {
			return false, nil
		}
	}
	return true, nil
}

// Apply makes the recorded writes to kv again, in the recorded order.
func (e *Effects) Apply(kv KV) error {
	for _, w := range e.writes {
		var err error
		if w.deleted {
			err = kv.Delete(w.key)
		} else {
			err = kv.Set(w.key, w.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Size is about how many bytes the record holds (for bounding caches).
func (e *Effects) Size() int {
	n := 0
	for _, rd := range e.Reads {
		n += len(rd.Key) + len(rd.Value) + 48
	}
	for _, w := range e.writes {
		n += len(w.key) + len(w.value) + 56
	}
	return n
}

func (r *Recorder) setOwned(e entry) error {
	var err error
	switch ow, ok := r.parent.(ownedWriter); {
	case ok:
		err = ow.setOwned(e)
	case e.deleted:
		err = r.parent.Delete(e.key)
	default:
		err = r.parent.Set(e.key, e.value)
	}
	if err == nil {
		r.wrote(e)
	}
	return err
}
