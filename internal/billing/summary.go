package billing

import (
	"maps"
	"slices"
)

// Money is a sum per ISO 4217 currency, as exact decimal strings.
type Money map[string]string

// A Summary says where every row of an ingest went, so that nothing
// vanishes quietly. Money is the billed cost (FOCUS BilledCost, or what
// curCosts makes of a CUR row).
type Summary struct {
	// Files is how many files were read.
	Files int `json:"files"`
	// Rows is how many rows were summed into records.
	Rows int64 `json:"rows"`
	// BilledCost is the billed cost of those rows: AttributedCost plus
	// UnattributedCost.
	BilledCost Money `json:"billedCost"`
	// AttributedCost is the billed cost of the rows attributed to a space.
	AttributedCost Money `json:"attributedCost"`
	// UnattributedCost is the billed cost of the other rows, in the
	// unattributed records of their accounts.
	UnattributedCost Money `json:"unattributedCost"`
	// InClusterCost is the part of AttributedCost that is in-cluster spend,
	// the cost of the spaces' pods moved off the nodes they ran on
	// (incluster.go). Absent when the run attributed none.
	InClusterCost Money `json:"inClusterCost,omitempty"`
	// InvalidTag are the rows whose tag value cannot name a space (not a
	// lower case DNS name of at most 63 characters); they are unattributed.
	InvalidTag TagProblem `json:"invalidTag"`
	// TagKeyCase are the rows whose tag key matches the tag key only
	// ignoring case ("CloudSpace"). They are unattributed unless
	// TagKeyIgnoreCase is set.
	TagKeyCase TagProblem `json:"tagKeyCase"`
	// TagKeyIgnoreCase says whether such keys counted (--tag-key-ignore-case).
	TagKeyIgnoreCase bool `json:"tagKeyIgnoreCase"`
	// Skipped are the bad rows skipped under --max-errors.
	Skipped Skipped `json:"skipped"`
}

// A TagProblem is a set of rows whose tag did not attribute as it seems
// meant to.
type TagProblem struct {
	// Rows is how many rows.
	Rows int64 `json:"rows"`
	// BilledCost is their billed cost.
	BilledCost Money `json:"billedCost,omitempty"`
	// Values are the first few distinct tag values (InvalidTag) or keys
	// (TagKeyCase), lexically smallest first.
	Values []string `json:"values,omitempty"`
}

// Skipped are bad rows left out of the sums.
type Skipped struct {
	// Rows is how many rows were skipped.
	Rows int64 `json:"rows"`
	// BilledCost is the billed cost of the skipped rows whose cost and
	// currency could still be read.
	BilledCost Money `json:"billedCost,omitempty"`
	// UnknownCostRows is how many skipped rows have a cost that could not
	// be read (a wrong number of columns, a bad cost or currency cell).
	UnknownCostRows int64 `json:"unknownCostRows"`
}

// skippedRows accumulates Skipped.
type skippedRows struct {
	rows, unknown int64
	billed        map[string]*Sum
}

func (s *skippedRows) add(cur []byte, a Amount) {
	if s.billed == nil {
		s.billed = map[string]*Sum{}
	}
	sum := s.billed[string(cur)]
	if sum == nil {
		sum = &Sum{}
		s.billed[string(cur)] = sum
	}
	sum.Add(a)
}

func (s *skippedRows) merge(o *skippedRows) {
	s.rows += o.rows
	s.unknown += o.unknown
	for c, v := range o.billed {
		if s.billed == nil {
			s.billed = map[string]*Sum{}
		}
		sum := s.billed[c]
		if sum == nil {
			sum = &Sum{}
			s.billed[c] = sum
		}
		sum.Merge(v)
	}
}

func (s *skippedRows) public() Skipped {
	return Skipped{Rows: s.rows, BilledCost: moneyOf(s.billed), UnknownCostRows: s.unknown}
}

func moneyOf(m map[string]*Sum) Money {
	if len(m) == 0 {
		return nil
	}
	out := Money{}
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out[c] = m[c].String()
	}
	return out
}

func orEmpty(m Money) Money {
	if m == nil {
		return Money{}
	}
	return m
}

// summarize computes the summary of an ingest from the merged aggregate of
// the files read and the figures of every file.
func summarize(a *aggregate, files []FileStats, ignoreCase bool) Summary {
	s := Summary{Files: len(files), TagKeyIgnoreCase: ignoreCase}
	billed, attributed, unattributed := map[string]*Sum{}, map[string]*Sum{}, map[string]*Sum{}
	invalid, fold, inCluster := map[string]*Sum{}, map[string]*Sum{}, map[string]*Sum{}
	add := func(m map[string]*Sum, cur string, v *Sum) {
		sum := m[cur]
		if sum == nil {
			sum = &Sum{}
			m[cur] = sum
		}
		sum.Merge(v)
	}
	if a != nil {
		for _, g := range a.groups() {
			cur := g.currency()
			s.Rows += g.rows
			add(billed, cur, &g.billed)
			if g.space != "" {
				add(attributed, cur, &g.billed)
				if g.ic != nil {
					add(inCluster, cur, &g.ic.billed)
				}
			} else {
				add(unattributed, cur, &g.billed)
			}
			if g.invalidRows > 0 {
				s.InvalidTag.Rows += g.invalidRows
				add(invalid, cur, &g.invalidBilled)
			}
			if g.foldRows > 0 {
				s.TagKeyCase.Rows += g.foldRows
				add(fold, cur, &g.foldBilled)
			}
		}
		s.InvalidTag.Values = slices.Clone(a.invalidValues.v)
		s.TagKeyCase.Values = slices.Clone(a.foldKeys.v)
	}
	s.BilledCost, s.AttributedCost, s.UnattributedCost = orEmpty(moneyOf(billed)), orEmpty(moneyOf(attributed)), orEmpty(moneyOf(unattributed))
	s.InvalidTag.BilledCost, s.TagKeyCase.BilledCost, s.InClusterCost = moneyOf(invalid), moneyOf(fold), moneyOf(inCluster)
	var sk skippedRows
	for i := range files {
		sk.merge(&files[i].skipped)
	}
	s.Skipped = sk.public()
	return s
}
