package billing

import (
	"math"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// distinct counts distinct resource IDs in bounded memory, so that an
// ingest's memory does not grow with the file when most rows name a
// resource of their own (as real exports do). IDs are counted by their
// 64-bit xxHash: exactly up to exactLimit of them (a set of hashes), then as
// a HyperLogLog sketch of 2^hllP one byte registers (16 KiB, standard error
// 1.04/sqrt(2^14) = 0.81 %), read with Ertl's improved raw estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches", 2017), which
// is unbiased over the whole range without empirical bias tables.
//
// The hash is unseeded, and both the set and the sketch are unions, so the
// count is the same whatever order rows come in and however they are split
// between workers and files: records are deterministic.
type distinct struct {
	set []uint64 // open addressing, 0 is an empty slot; nil once a sketch
	n   int      // hashes in set
	hll *hllRegisters
}

const (
	// exactLimit is how many distinct IDs a record counts exactly.
	exactLimit = 1024
	hllP       = 14
	hllQ       = 64 - hllP
)

func hashID(id []byte) uint64 {
	h := xxhash.Sum64(id)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h
}

// add counts a hash from hashID.
func (d *distinct) add(h uint64) {
	if d.hll != nil {
		d.hll.add(h)
		return
	}
	if d.set != nil && d.lookup(h) {
		return
	}
	switch {
	case d.n+1 > exactLimit:
		d.toSketch()
		d.hll.add(h)
		return
	case 2*(d.n+1) > len(d.set):
		d.grow()
	}
	d.insert(h)
}

// lookup reports whether the set holds h.
func (d *distinct) lookup(h uint64) bool {
	mask := uint64(len(d.set) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch d.set[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// insert adds h, which the set does not hold, to a set with room for it.
func (d *distinct) insert(h uint64) {
	mask := uint64(len(d.set) - 1)
	i := h & mask
	for d.set[i] != 0 {
		i = (i + 1) & mask
	}
	d.set[i] = h
	d.n++
}

func (d *distinct) grow() {
	old := d.set
	d.set = make([]uint64, max(16, 2*len(old)))
	d.n = 0
	for _, h := range old {
		if h != 0 {
			d.insert(h)
		}
	}
}

func (d *distinct) toSketch() {
	d.hll = new(hllRegisters)
	for _, h := range d.set {
		if h != 0 {
			d.hll.add(h)
		}
	}
	d.set, d.n = nil, 0
}

// merge adds the IDs counted by o.
func (d *distinct) merge(o *distinct) {
	if o.hll == nil {
		for _, h := range o.set {
			if h != 0 {
				d.add(h)
			}
		}
		return
	}
	if d.hll == nil {
		d.toSketch()
	}
	for i, r := range o.hll {
		d.hll[i] = max(d.hll[i], r)
	}
}

// count returns the number of distinct IDs, and whether it is an estimate.
func (d *distinct) count() (int64, bool) {
	if d.hll == nil {
		return int64(d.n), false
	}
	return int64(math.Round(d.hll.estimate())), true
}

// hllRegisters is a HyperLogLog sketch.
type hllRegisters [1 << hllP]uint8

func (r *hllRegisters) add(h uint64) {
	// The first p bits choose the register, the rank of the first one bit
	// in the others is its value (at most q+1).
	rank := uint8(min(bits.LeadingZeros64(h<<hllP)+1, hllQ+1))
	if i := h >> hllQ; r[i] < rank {
		r[i] = rank
	}
}

// estimate is Ertl's improved raw estimator (algorithm 6 of the paper).
func (r *hllRegisters) estimate() float64 {
	const m = float64(1 << hllP)
	var c [hllQ + 2]int
	for _, v := range r {
		c[v]++
	}
	z := m * hllTau(1-float64(c[hllQ+1])/m)
	for k := hllQ; k >= 1; k-- {
		z = 0.5 * (z + float64(c[k]))
	}
	z += m * hllSigma(float64(c[0])/m)
	const alphaInf = 0.5 / math.Ln2
	return alphaInf * m * m / z
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}
