package catalog

import (
	"slices"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/module"
)

// batch applies entries and runs the cross-entry checks once at the end, so
// an import may change a resource and the table mapping it in one tx.
type batch struct {
	ctx        *module.Context
	dept       string
	res        ImportResult
	touched    []string // resources written, in order
	touchedSet map[string]bool
	revoked    []string // duty ids revoked in this tx
}

func newBatch(ctx *module.Context) *batch {
	return &batch{ctx: ctx, dept: ctx.Signer.Dept, touchedSet: map[string]bool{}}
}

func count(c *Count, created, changed bool) {
	switch {
	case created:
		c.Created++
	case changed:
		c.Updated++
	default:
		c.Unchanged++
	}
}

func (b *batch) duty(m *DutyMsg) error {
	if err := m.Validate(); err != nil {
		return err
	}
	kv := b.ctx.Store
	id := DutyID(b.dept, m.Code)
	old, err := load[Duty](kv, KindDuty, id)
	if err != nil {
		return err
	}
	d := &Duty{Dept: b.dept, DutyMsg: *m}
	d.Status = statusOf(d.Status)
	if old != nil && sameContent(old, d) {
		count(&b.res.Duties, false, false)
		return nil
	}
	var prev int64
	if old != nil {
		prev = old.Version
	}
	if d.Status == StatusRevoked && (old == nil || old.Status != StatusRevoked) {
		b.revoked = append(b.revoked, id)
	}
	if err := put(b.ctx, KindDuty, id, prev, d); err != nil {
		return err
	}
	if err := kv.Set(idxDept(b.dept, KindDuty, m.Code), RecordKey(KindDuty, id)); err != nil {
		return err
	}
	count(&b.res.Duties, old == nil, true)
	b.ctx.Emit(catalogtypes.EventDuty, "id", id, "version", itoa(d.Version))
	return nil
}

func (b *batch) resource(m *ResourceMsg) error {
	if err := m.Validate(); err != nil {
		return err
	}
	kv := b.ctx.Store
	old, err := load[Resource](kv, KindResource, m.Code)
	if err != nil {
		return err
	}
	if old != nil && old.Provider != b.dept {
		return ErrOtherDept.Wrapf("resource %s belongs to %s; %s can only write its own entries", m.Code, old.Provider, b.dept)
	}
	for _, code := range m.Duties {
		d, err := load[Duty](kv, KindDuty, DutyID(b.dept, code))
		if err != nil {
			return err
		}
		if d == nil {
			return ErrNoDuty.Wrapf("resource %s: %s has no duty %s; a resource derives only from its provider's own duties (declare the duty first)", m.Code, b.dept, code)
		}
		if d.Status != StatusActive {
			return ErrNoDuty.Wrapf("resource %s: duty %s of %s is %s", m.Code, code, b.dept, d.Status)
		}
	}
	r := &Resource{Provider: b.dept, ResourceMsg: *m}
	r.Status = statusOf(r.Status)
	if old != nil && sameContent(old, r) {
		count(&b.res.Resources, false, false)
		return nil
	}
	// 一数一源: claim or keep the authoritative source of flagged items.
	for i := range r.Items {
		it := &r.Items[i]
		if it.Source {
			if err := b.claimItem(r, it); err != nil {
				return err
			}
		}
	}
	var prev int64
	if old != nil {
		prev = old.Version
		// items this resource no longer sources: the department stays the
		// owner (ownership moves only by governance) with no source resource
		for _, oi := range old.Items {
			if !oi.Source {
				continue
			}
			if ni := r.ItemByKey(oi.Key); ni != nil && ni.Source {
				continue
			}
			rec, err := load[ItemRecord](kv, KindItem, oi.Key)
			if err != nil {
				return err
			}
			if rec != nil && rec.Source == r.Code {
				rec.Source = ""
				if err := put(b.ctx, KindItem, oi.Key, rec.Version, rec); err != nil {
					return err
				}
			}
		}
		for _, d := range old.Duties {
			if !slices.Contains(r.Duties, d) {
				if err := kv.Delete(idxDutyResource(DutyID(b.dept, d), r.Code)); err != nil {
					return err
				}
			}
		}
		for _, oi := range old.Items {
			if !r.HasItem(oi.Key) {
				if err := kv.Delete(idxItemResource(oi.Key, r.Code)); err != nil {
					return err
				}
			}
		}
	}
	if err := put(b.ctx, KindResource, r.Code, prev, r); err != nil {
		return err
	}
	rk := RecordKey(KindResource, r.Code)
	if err := kv.Set(idxDept(b.dept, KindResource, r.Code), rk); err != nil {
		return err
	}
	for _, d := range r.Duties {
		if err := kv.Set(idxDutyResource(DutyID(b.dept, d), r.Code), rk); err != nil {
			return err
		}
	}
	for _, it := range r.Items {
		if err := kv.Set(idxItemResource(it.Key, r.Code), itemRole(it.Source)); err != nil {
			return err
		}
	}
	if !b.touchedSet[r.Code] {
		b.touchedSet[r.Code] = true
		b.touched = append(b.touched, r.Code)
	}
	count(&b.res.Resources, old == nil, true)
	b.ctx.Emit(catalogtypes.EventResource, "code", r.Code, "provider", b.dept, "version", itoa(r.Version))
	return nil
}

func itemRole(source bool) []byte {
	if source {
		return []byte("source")
	}
	return []byte("ref")
}

// claimItem makes resource r the authoritative source of it, or explains
// who already is.
func (b *batch) claimItem(r *Resource, it *Item) error {
	kv := b.ctx.Store
	rec, err := load[ItemRecord](kv, KindItem, it.Key)
	if err != nil {
		return err
	}
	var prev int64
	if rec != nil {
		prev = rec.Version
		if rec.Owner != b.dept {
			src := ""
			if rec.Source != "" {
				src = " (source resource " + rec.Source + ")"
			}
			return ErrItemOwned.Wrapf("resource %s: data item %s already has an authoritative source: %s%s; one item, one source (一数一源) — ownership moves only by governance (catalog.transfer_item)", r.Code, it.Key, rec.Owner, src)
		}
		if rec.Source != "" && rec.Source != r.Code {
			other, err := load[Resource](kv, KindResource, rec.Source)
			if err != nil {
				return err
			}
			if other != nil {
				if oi := other.ItemByKey(it.Key); oi != nil && oi.Source {
					return ErrItemOwned.Wrapf("resource %s: data item %s is already sourced from resource %s of %s; clear the source flag there first", r.Code, it.Key, rec.Source, b.dept)
				}
			}
		}
	} else {
		rec = &ItemRecord{Key: it.Key}
	}
	next := *rec
	next.Name, next.Type, next.Length, next.Description = it.Name, it.Type, it.Length, it.Description
	next.Owner, next.Source = b.dept, r.Code
	if prev > 0 && sameContent(rec, &next) {
		return nil
	}
	if err := put(b.ctx, KindItem, it.Key, prev, &next); err != nil {
		return err
	}
	if prev == 0 {
		b.ctx.Emit(catalogtypes.EventItemOwner, "key", it.Key, "owner", b.dept)
	}
	return kv.Set(idxDept(b.dept, KindItem, it.Key), RecordKey(KindItem, it.Key))
}

func (b *batch) table(m *TableMsg) error {
	if err := m.Validate(); err != nil {
		return err
	}
	kv := b.ctx.Store
	id := TableID(b.dept, m.System, m.Database, m.Table)
	res, err := load[Resource](kv, KindResource, m.Resource)
	if err != nil {
		return err
	}
	if res == nil {
		return ErrNotFound.Wrapf("table %s: resource %s does not exist", id, m.Resource)
	}
	if res.Provider != b.dept {
		return ErrOtherDept.Wrapf("table %s: resource %s belongs to %s; %s maps only its own resources", id, m.Resource, res.Provider, b.dept)
	}
	for _, c := range m.Columns {
		if !res.HasItem(c.Item) {
			return ErrBadInput.Wrapf("table %s: resource %s has no data item %s (column %s)", id, m.Resource, c.Item, c.Column)
		}
	}
	old, err := load[Table](kv, KindTable, id)
	if err != nil {
		return err
	}
	t := &Table{ID: id, Dept: b.dept, TableMsg: *m}
	t.Status = statusOf(t.Status)
	if old != nil && sameContent(old, t) {
		count(&b.res.Tables, false, false)
		return nil
	}
	var prev int64
	if old != nil {
		prev = old.Version
		if old.Resource != t.Resource {
			if err := kv.Delete(idxResourceTable(old.Resource, id)); err != nil {
				return err
			}
		}
		for _, c := range old.Columns {
			if !slices.ContainsFunc(t.Columns, func(n Column) bool { return n.Item == c.Item }) {
				if err := kv.Delete(idxItemTable(c.Item, id)); err != nil {
					return err
				}
			}
		}
	}
	if err := put(b.ctx, KindTable, id, prev, t); err != nil {
		return err
	}
	tk := RecordKey(KindTable, id)
	if err := kv.Set(idxDept(b.dept, KindTable, id), tk); err != nil {
		return err
	}
	if err := kv.Set(idxResourceTable(t.Resource, id), tk); err != nil {
		return err
	}
	for _, c := range t.Columns {
		if err := kv.Set(idxItemTable(c.Item, id), []byte(c.Column)); err != nil {
			return err
		}
	}
	count(&b.res.Tables, old == nil, true)
	b.ctx.Emit(catalogtypes.EventTable, "id", id, "version", itoa(t.Version), "schema_sm3", t.SchemaSM3)
	return nil
}

// finish runs the checks that span entries: active tables still map only
// items their resource has, and no active resource derives from a duty
// revoked in this tx.
func (b *batch) finish() error {
	kv := b.ctx.Store
	for _, code := range b.touched {
		res, err := load[Resource](kv, KindResource, code)
		if err != nil {
			return err
		}
		var ids []string
		err = iterIndex(kv, IndexPrefix("resource", code, "table"), func(id string, _ []byte) error {
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, err := load[Table](kv, KindTable, id)
			if err != nil {
				return err
			}
			if t == nil || t.Status != StatusActive {
				continue
			}
			for _, c := range t.Columns {
				if !res.HasItem(c.Item) {
					return ErrInUse.Wrapf("resource %s no longer has data item %s, which table %s maps to column %s; update or retire the table in the same tx", code, c.Item, id, c.Column)
				}
			}
		}
	}
	for _, id := range b.revoked {
		err := iterIndex(kv, IndexPrefix("duty", id, "resource"), func(code string, _ []byte) error {
			r, err := load[Resource](kv, KindResource, code)
			if err != nil {
				return err
			}
			if r != nil && r.Status == StatusActive {
				return ErrInUse.Wrapf("duty %s is revoked but active resource %s still derives from it; update or retire the resource in the same tx", id, code)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	b.ctx.SetData(module.MustJSON(b.res))
	return nil
}

func handleDuty(ctx *module.Context, m *DutyMsg) error {
	b := newBatch(ctx)
	if err := b.duty(m); err != nil {
		return err
	}
	return b.finish()
}

func handleResource(ctx *module.Context, m *ResourceMsg) error {
	b := newBatch(ctx)
	if err := b.resource(m); err != nil {
		return err
	}
	return b.finish()
}

func handleTable(ctx *module.Context, m *TableMsg) error {
	b := newBatch(ctx)
	if err := b.table(m); err != nil {
		return err
	}
	return b.finish()
}

func handleImport(ctx *module.Context, m *Import) error {
	if len(m.Duties)+len(m.Resources)+len(m.Tables) == 0 {
		return ErrEmptyBatch.Wrapf("catalog.import carries no duties, resources or tables")
	}
	// static checks of everything first: a bad entry costs no state reads
	for i := range m.Duties {
		if err := m.Duties[i].Validate(); err != nil {
			return at(err, "duties[%d] %s", i, m.Duties[i].Code)
		}
	}
	for i := range m.Resources {
		if err := m.Resources[i].Validate(); err != nil {
			return at(err, "resources[%d] %s", i, m.Resources[i].Code)
		}
	}
	for i := range m.Tables {
		if err := m.Tables[i].Validate(); err != nil {
			return at(err, "tables[%d] %s.%s.%s", i, m.Tables[i].System, m.Tables[i].Database, m.Tables[i].Table)
		}
	}
	b := newBatch(ctx)
	for i := range m.Duties {
		if err := b.duty(&m.Duties[i]); err != nil {
			return at(err, "duties[%d] %s", i, m.Duties[i].Code)
		}
	}
	for i := range m.Resources {
		if err := b.resource(&m.Resources[i]); err != nil {
			return at(err, "resources[%d] %s", i, m.Resources[i].Code)
		}
	}
	for i := range m.Tables {
		if err := b.table(&m.Tables[i]); err != nil {
			return at(err, "tables[%d] %s.%s.%s", i, m.Tables[i].System, m.Tables[i].Database, m.Tables[i].Table)
		}
	}
	return b.finish()
}
