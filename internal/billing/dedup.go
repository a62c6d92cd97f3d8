package billing

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Each money row is counted once. Before any file is read, Ingest drops a
// source named twice (the same path, however spelled, or the same URI) and
// an S3 object whose ETag and size equal those of another listed object;
// after reading, a file whose content digest equals an earlier file's is
// dropped before its sums are merged. Each drop is a warning naming both
// files. Then it checks the deliveries of every period folder.

// Deliveries says what Ingest does with two deliveries of one period
// folder (two assemblyId folders of a legacy CUR period, two executions of
// a Data Exports partition, or files both in the period folder and in a
// delivery folder) that no manifest chose between.
type Deliveries string

// Delivery policies.
const (
	// DeliveriesError rejects the ingest: summing them would count the
	// period twice. The default.
	DeliveriesError Deliveries = "error"
	// DeliveriesLatest reads only the delivery modified last, with a
	// warning naming the ones ignored.
	DeliveriesLatest Deliveries = "latest"
	// DeliveriesAll sums them, with a warning.
	DeliveriesAll Deliveries = "all"
)

// ParseDeliveries parses a delivery policy.
func ParseDeliveries(s string) (Deliveries, error) {
	switch d := Deliveries(s); d {
	case DeliveriesError, DeliveriesLatest, DeliveriesAll:
		return d, nil
	case "":
		return DeliveriesError, nil
	}
	return "", fmt.Errorf("cannot parse deliveries %q: want error, latest or all", s)
}

// location names a source for duplicate detection: the absolute, clean
// path of a local file, else the URI.
func location(s Source) string {
	if f, ok := s.(FileSource); ok {
		if abs, err := filepath.Abs(f.Path); err == nil {
			return filepath.ToSlash(abs)
		}
		return filepath.ToSlash(filepath.Clean(f.Path))
	}
	return s.URI()
}

func listing(s Source) *ObjectInfo {
	if ls, ok := s.(ListedSource); ok {
		return ls.Listing()
	}
	return nil
}

// prepareSources drops duplicate sources and checks deliveries. It returns
// the sources to read, in input order, and the warnings.
func prepareSources(srcs []Source, d Deliveries) ([]Source, []string, error) {
	var warns []string
	seenLoc := map[string]string{}
	seenTag := map[string]string{}
	out := make([]Source, 0, len(srcs))
	for _, s := range srcs {
		loc := location(s)
		if first, ok := seenLoc[loc]; ok {
			warns = append(warns, fmt.Sprintf("%q is given twice (as %q): read once", s.URI(), first))
			continue
		}
		seenLoc[loc] = s.URI()
		if l := listing(s); l != nil && l.ETag != "" {
			tag := fmt.Sprintf("%s/%d", l.ETag, l.Size)
			if first, ok := seenTag[tag]; ok {
				warns = append(warns, fmt.Sprintf("%q has the same ETag and size as %q: the same content, read once", s.URI(), first))
				continue
			}
			seenTag[tag] = s.URI()
		}
		out = append(out, s)
	}
	out, dw, err := checkDeliveries(out, d)
	return out, append(warns, dw...), err
}

// checkDeliveries groups the sources by the period folder of their path
// (see delivery) and acts by d where a folder holds more than one
// delivery. It also warns when one billing period is read from two period
// folders (two reports or exports of the same month: the same account's
// would count it twice).
func checkDeliveries(srcs []Source, d Deliveries) ([]Source, []string, error) {
	type folder struct {
		period     string
		deliveries map[string][]int
	}
	folders := map[string]*folder{}
	for i, s := range srcs {
		dir, period, deliv, ok := delivery(location(s))
		if !ok {
			continue
		}
		f := folders[dir]
		if f == nil {
			f = &folder{period: period, deliveries: map[string][]int{}}
			folders[dir] = f
		}
		f.deliveries[deliv] = append(f.deliveries[deliv], i)
	}
	var warns []string
	var errs []error
	drop := map[int]bool{}
	byPeriod := map[string][]string{}
	for _, dir := range slices.Sorted(maps.Keys(folders)) {
		f := folders[dir]
		byPeriod[f.period] = append(byPeriod[f.period], dir)
		if len(f.deliveries) < 2 {
			continue
		}
		names := slices.Sorted(maps.Keys(f.deliveries))
		var desc []string
		for _, n := range names {
			label := fmt.Sprintf("%q", n)
			if n == "" {
				label = "the period folder itself"
			}
			files := "files"
			if len(f.deliveries[n]) == 1 {
				files = "file"
			}
			desc = append(desc, fmt.Sprintf("%s: %d %s", label, len(f.deliveries[n]), files))
		}
		what := fmt.Sprintf("period folder %q holds %d deliveries of %s (%s) and no manifest names the current one", dir, len(names), f.period, strings.Join(desc, ", "))
		switch d {
		case DeliveriesAll:
			warns = append(warns, what+": summing them all (--deliveries=all)")
		case DeliveriesLatest:
			latest, err := latestDelivery(srcs, f.deliveries)
			if err != nil {
				errs = append(errs, fmt.Errorf("cannot choose the latest delivery: %s: %w", what, err))
				continue
			}
			for _, n := range names {
				if n != latest {
					for _, i := range f.deliveries[n] {
						drop[i] = true
					}
				}
			}
			warns = append(warns, fmt.Sprintf("%s: reading only %q, modified last (--deliveries=latest)", what, latest))
		default:
			errs = append(errs, fmt.Errorf("cannot ingest: %s; summing them would count the period more than once: keep the manifest AWS delivers beside them, pass one delivery, or choose with --deliveries=latest or --deliveries=all", what))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(byPeriod)) {
		if dirs := byPeriod[p]; len(dirs) > 1 {
			warns = append(warns, fmt.Sprintf("billing period %s is read from %d folders (%s): if they are exports of the same account, the period is counted more than once", p, len(dirs), strings.Join(quoteAll(dirs), ", ")))
		}
	}
	if len(errs) > 0 {
		return nil, warns, errors.Join(errs...)
	}
	out := make([]Source, 0, len(srcs))
	for i, s := range srcs {
		if !drop[i] {
			out = append(out, s)
		}
	}
	return out, warns, nil
}

// latestDelivery returns the delivery whose newest file was modified last.
func latestDelivery(srcs []Source, deliveries map[string][]int) (string, error) {
	latest, tie := "", false
	var at int64
	for _, n := range slices.Sorted(maps.Keys(deliveries)) {
		var newest int64
		for _, i := range deliveries[n] {
			t, err := modTime(srcs[i])
			if err != nil {
				return "", err
			}
			newest = max(newest, t)
		}
		switch {
		case latest == "" || newest > at:
			latest, at, tie = n, newest, false
		case newest == at:
			tie = true
		}
	}
	if tie {
		return "", errors.New("two deliveries were modified at the same time")
	}
	return latest, nil
}

func modTime(s Source) (int64, error) {
	if l := listing(s); l != nil && !l.ModTime.IsZero() {
		return l.ModTime.UnixNano(), nil
	}
	if f, ok := s.(FileSource); ok {
		fi, err := os.Stat(f.Path)
		if err != nil {
			return 0, fmt.Errorf("cannot stat %q: %w", f.Path, err)
		}
		return fi.ModTime().UnixNano(), nil
	}
	return 0, fmt.Errorf("the modification time of %q is unknown (list its prefix instead)", s.URI())
}

// newDigest returns the hash of the bytes of a file. A digest is always
// computed, whatever Options say is recorded, so that the same content
// under two names is read once: SHA-256 when records carry it, else the
// 64-bit xxHash (far cheaper than parsing). The key it yields also holds
// the size, so two files collide only with equal sizes and equal hashes.
func newDigest(o Options) (hash.Hash, string) {
	if !o.NoDigest && !o.DigestXXH64 {
		return sha256.New(), "sha256"
	}
	return xxhash.New(), "xxh64"
}

// duplicates remembers the content digest of each file read.
type duplicates map[string]string

// add records a file; it returns the URI of an earlier file with the same
// digest and size, if any.
func (d duplicates) add(st FileStats) (string, bool) {
	if st.Digest == "" {
		return "", false
	}
	key := fmt.Sprintf("%s/%d", st.Digest, st.Bytes)
	if first, ok := d[key]; ok {
		return first, true
	}
	d[key] = st.URI
	return "", false
}

func duplicateWarning(uri, first string) string {
	return fmt.Sprintf("%q has the same content as %q (digest): counted once", uri, first)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = strconv.Quote(s[i])
	}
	return out
}
