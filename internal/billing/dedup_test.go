package billing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIngestDuplicateSources(t *testing.T) {
	dir := t.TempDir()
	data := []byte(focusHeader + focusRow(nil)) // team-a billed 1.5
	other := []byte(focusHeader + focusRow(map[int]string{0: "2", 12: "i-2"}))
	writeTree(t, dir, map[string][]byte{"a.csv": data, "copy-of-a.csv": data, "sub/b.csv": other})
	a := filepath.Join(dir, "a.csv")
	cp := filepath.Join(dir, "copy-of-a.csv")
	b := filepath.Join(dir, "sub", "b.csv")

	type want struct {
		billed   string
		sources  []string
		warnings []string
	}
	cases := map[string]struct {
		reason string
		srcs   func(t *testing.T) []Source
		opts   Options
		want   want
	}{
		"SamePathTwice": {
			reason: "The same path, however spelled, is one source.",
			srcs: func(*testing.T) []Source {
				return []Source{FileSource{Path: a}, FileSource{Path: dir + "/./sub/../a.csv"}}
			},
			want: want{billed: "1.5", sources: []string{a}, warnings: []string{`"` + dir + `/./sub/../a.csv" is given twice (as "` + a + `"): read once`}},
		},
		"FileAndItsDirectory": {
			reason: "A file named on its own and found again in a directory is one source.",
			srcs: func(t *testing.T) []Source {
				expanded, err := ParseSource(t.Context(), filepath.Join(dir, "sub"), SourceOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return append([]Source{FileSource{Path: b}}, expanded...)
			},
			want: want{billed: "2", sources: []string{b}, warnings: []string{`"` + b + `" is given twice (as "` + b + `"): read once`}},
		},
		"SameContentSHA256": {
			reason: "Two names of the same content are one source, with SHA-256 digests.",
			srcs:   func(*testing.T) []Source { return []Source{FileSource{Path: a}, FileSource{Path: cp}} },
			want:   want{billed: "1.5", sources: []string{a}, warnings: []string{`"` + cp + `" has the same content as "` + a + `" (digest): counted once`}},
		},
		"SameContentXXH64": {
			reason: "Two names of the same content are one source, with xxHash digests.",
			srcs:   func(*testing.T) []Source { return []Source{FileSource{Path: cp}, FileSource{Path: a}} },
			opts:   Options{DigestXXH64: true},
			want:   want{billed: "1.5", sources: []string{cp}, warnings: []string{`"` + a + `" has the same content as "` + cp + `" (digest): counted once`}},
		},
		"SameContentNoDigest": {
			reason: "Even when records carry no digest, one is computed to count the same content once.",
			srcs: func(*testing.T) []Source {
				return []Source{FileSource{Path: a}, FileSource{Path: b}, FileSource{Path: cp}}
			},
			opts: Options{NoDigest: true},
			want: want{billed: "3.5", sources: []string{a, b}, warnings: []string{`"` + cp + `" has the same content as "` + a + `" (digest): counted once`}},
		},
		"SameContentInMemory": {
			reason: "Any source is digested, not only files.",
			srcs: func(*testing.T) []Source {
				return []Source{bytesSource{name: "x.csv", b: data}, bytesSource{name: "y.csv", b: data}}
			},
			want: want{billed: "1.5", sources: []string{"x.csv"}, warnings: []string{`"y.csv" has the same content as "x.csv" (digest): counted once`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), tc.srcs(t), tc.opts)
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			got := want{warnings: res.Warnings}
			for _, r := range res.Records {
				got.billed = r.BilledCost
				got.sources = nil
				for _, s := range r.Sources {
					got.sources = append(got.sources, s.URI)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIngestDuplicateS3ObjectsNotRead(t *testing.T) {
	// Two objects with the same ETag and size hold the same bytes: the
	// second is not even fetched.
	data := gzipBytes(t, []byte(focusHeader+focusRow(nil)))
	fs := &fakeS3{objects: map[string][]byte{
		"billing/focus/a.csv.gz":      data,
		"billing/focus/copy/a.csv.gz": data,
	}}
	c, _ := newFakeS3Client(t, fs, NetOptions{})
	srcs, err := ParseSource(t.Context(), "s3://billing/focus/", SourceOptions{S3: c})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Ingest(t.Context(), srcs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := spaceOf(res, err, "team-a"); got.billed != "1.5" {
		t.Errorf("Ingest(...): want team-a billed 1.5 once, got %+v", got)
	}
	want := []string{`"s3://billing/focus/copy/a.csv.gz" has the same ETag and size as "s3://billing/focus/a.csv.gz": the same content, read once`}
	if diff := cmp.Diff(want, res.Warnings); diff != "" {
		t.Errorf("Ingest(...): -want warnings, +got:\n%s", diff)
	}
	if n := fs.gets["billing/focus/copy/a.csv.gz"]; n != 0 {
		t.Errorf("Ingest(...): the duplicate was fetched %d times, want 0", n)
	}
}

// listedAt is a listed source modified at t.
func listedAt(uri string, at time.Time) Source {
	return S3Source{Bucket: "b", Key: strings.TrimPrefix(uri, "s3://b/"), Listed: &ObjectInfo{ModTime: at}}
}

func TestCheckDeliveries(t *testing.T) {
	const p = "s3://b/cur/r/20261101-20261201"
	old := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	newer := old.Add(time.Hour)
	type want struct {
		kept     []string
		warnings []string
		err      string
	}
	cases := map[string]struct {
		reason string
		srcs   []Source
		d      Deliveries
		want   want
	}{
		"OneDelivery": {
			reason: "The files of one assembly are one delivery.",
			srcs:   []Source{listedAt(p+"/asm-1/r-1.csv.gz", old), listedAt(p+"/asm-1/r-2.csv.gz", old)},
			want:   want{kept: []string{p + "/asm-1/r-1.csv.gz", p + "/asm-1/r-2.csv.gz"}},
		},
		"Overwritten": {
			reason: "Files in the period folder itself are one delivery (overwrite mode).",
			srcs:   []Source{listedAt(p+"/r-1.csv.gz", old), listedAt(p+"/r-2.csv.gz", old)},
			want:   want{kept: []string{p + "/r-1.csv.gz", p + "/r-2.csv.gz"}},
		},
		"MixedModes": {
			reason: "Files both in the period folder and in an assembly folder are two deliveries.",
			srcs:   []Source{listedAt(p+"/r-1.csv.gz", old), listedAt(p+"/asm-1/r-1.csv.gz", newer)},
			want:   want{err: `cannot ingest: period folder "s3://b/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 (the period folder itself: 1 file, "asm-1": 1 file) and no manifest names the current one; summing them would count the period more than once: keep the manifest AWS delivers beside them, pass one delivery, or choose with --deliveries=latest or --deliveries=all`},
		},
		"Latest": {
			reason: "--deliveries=latest keeps the delivery whose newest file is newest.",
			srcs:   []Source{listedAt(p+"/asm-b/r-1.csv.gz", old), listedAt(p+"/asm-a/r-1.csv.gz", newer), listedAt(p+"/asm-b/r-2.csv.gz", old)},
			d:      DeliveriesLatest,
			want: want{kept: []string{p + "/asm-a/r-1.csv.gz"}, warnings: []string{
				`period folder "s3://b/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 ("asm-a": 1 file, "asm-b": 2 files) and no manifest names the current one: reading only "asm-a", modified last (--deliveries=latest)`,
			}},
		},
		"LatestTie": {
			reason: "Two deliveries modified at the same instant cannot be told apart.",
			srcs:   []Source{listedAt(p+"/asm-a/r-1.csv.gz", old), listedAt(p+"/asm-b/r-1.csv.gz", old)},
			d:      DeliveriesLatest,
			want:   want{err: `cannot choose the latest delivery: period folder "s3://b/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 ("asm-a": 1 file, "asm-b": 1 file) and no manifest names the current one: two deliveries were modified at the same time`},
		},
		"LatestUnknownTime": {
			reason: "An object named on its own has no listing time.",
			srcs:   []Source{S3Source{Bucket: "b", Key: "cur/r/20261101-20261201/asm-a/r-1.csv.gz"}, listedAt(p+"/asm-b/r-1.csv.gz", old)},
			d:      DeliveriesLatest,
			want:   want{err: `cannot choose the latest delivery: period folder "s3://b/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 ("asm-a": 1 file, "asm-b": 1 file) and no manifest names the current one: the modification time of "s3://b/cur/r/20261101-20261201/asm-a/r-1.csv.gz" is unknown (list its prefix instead)`},
		},
		"All": {
			reason: "--deliveries=all sums them, with a warning.",
			srcs:   []Source{listedAt(p+"/asm-a/r-1.csv.gz", old), listedAt(p+"/asm-b/r-1.csv.gz", newer)},
			d:      DeliveriesAll,
			want: want{kept: []string{p + "/asm-a/r-1.csv.gz", p + "/asm-b/r-1.csv.gz"}, warnings: []string{
				`period folder "s3://b/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 ("asm-a": 1 file, "asm-b": 1 file) and no manifest names the current one: summing them all (--deliveries=all)`,
			}},
		},
		"TwoExportsOnePeriod": {
			reason: "One billing period from two exports is read, with a warning: the same account's would count twice.",
			srcs:   []Source{listedAt(p+"/r-1.csv.gz", old), listedAt("s3://b/exports/e/data/BILLING_PERIOD=2026-11/e-00001.csv.gz", old)},
			want: want{kept: []string{p + "/r-1.csv.gz", "s3://b/exports/e/data/BILLING_PERIOD=2026-11/e-00001.csv.gz"}, warnings: []string{
				`billing period 2026-11 is read from 2 folders ("s3://b/cur/r/20261101-20261201", "s3://b/exports/e/data/BILLING_PERIOD=2026-11"): if they are exports of the same account, the period is counted more than once`,
			}},
		},
		"NoLayout": {
			reason: "Files outside any export layout are not judged.",
			srcs:   []Source{listedAt("s3://b/a.csv", old), listedAt("s3://b/x/a.csv", newer)},
			want:   want{kept: []string{"s3://b/a.csv", "s3://b/x/a.csv"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := tc.d
			if d == "" {
				d = DeliveriesError
			}
			kept, warns, err := checkDeliveries(tc.srcs, d)
			got := want{warnings: warns}
			if err != nil {
				got.err = err.Error()
			}
			for _, s := range kept {
				got.kept = append(got.kept, s.URI())
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\ncheckDeliveries(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLatestDeliveryLocalFiles(t *testing.T) {
	// Files named on the command line are dated by the file system.
	dir := t.TempDir()
	p := "r/20261101-20261201"
	writeTree(t, dir, map[string][]byte{
		p + "/asm-1/r-1.csv": []byte(focusHeader + focusRow(map[int]string{0: "100"})),
		p + "/asm-2/r-1.csv": []byte(focusHeader + focusRow(map[int]string{0: "7"})),
	})
	older := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, p, "asm-1", "r-1.csv"), older, older); err != nil {
		t.Fatal(err)
	}
	srcs := []Source{FileSource{Path: filepath.Join(dir, p, "asm-1", "r-1.csv")}, FileSource{Path: filepath.Join(dir, p, "asm-2", "r-1.csv")}}
	res, err := Ingest(t.Context(), srcs, Options{Deliveries: DeliveriesLatest})
	if got := spaceOf(res, err, "team-a"); got.billed != "7" {
		t.Errorf("Ingest(--deliveries=latest): want the newer delivery's 7, got %+v", got)
	}
}
