package billing

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// zipBytes returns a zip archive of the named files, in order.
func zipBytes(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIngestZip(t *testing.T) {
	csv := string(curDelivery("z", "300.50", "75.05"))
	good := zipBytes(t, [2]string{"r-1.csv", csv})
	// Damage a byte of the compressed entry: its CRC-32 no longer matches.
	bad := bytes.Clone(good)
	bad[bytes.Index(bad, []byte("r-1.csv"))+len("r-1.csv")+10] ^= 0xff

	mux := http.NewServeMux()
	mux.HandleFunc("/r-1.csv.zip", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(good) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{"r/20261101-20261201/r-1.csv.zip": good})
	fs := &fakeS3{objects: map[string][]byte{"billing/cur/r/20261101-20261201/r-1.csv.zip": good}}
	s3c, _ := newFakeS3Client(t, fs, NetOptions{})

	type want struct {
		billed string
		err    string
	}
	cases := map[string]struct {
		reason string
		arg    string
		srcs   []Source
		want   want
	}{
		"Directory": {
			reason: "A local directory lists .csv.zip files; the zip is read in place.",
			arg:    dir,
			want:   want{billed: "375.55"},
		},
		"HTTP": {
			reason: "A remote zip is spooled to a temporary file and read.",
			arg:    srv.URL + "/r-1.csv.zip",
			want:   want{billed: "375.55"},
		},
		"S3Prefix": {
			reason: "S3 listings do not skip .zip objects.",
			arg:    "s3://billing/cur/",
			want:   want{billed: "375.55"},
		},
		"NamedByMagic": {
			reason: "A zip is known by its magic bytes, not its name.",
			srcs:   []Source{bytesSource{name: "export.dat", b: good}},
			want:   want{billed: "375.55"},
		},
		"Corrupt": {
			reason: "A damaged entry fails its CRC-32 check.",
			srcs:   []Source{bytesSource{name: "bad.csv.zip", b: bad}},
			want:   want{err: `cannot ingest "bad.csv.zip": cannot read "r-1.csv" in zip: `},
		},
		"Truncated": {
			reason: "A zip cut short has no central directory.",
			srcs:   []Source{bytesSource{name: "cut.csv.zip", b: good[:len(good)/2]}},
			want:   want{err: `cannot ingest "cut.csv.zip": cannot read zip: zip: not a valid zip file`}, //nolint:dupword // archive/zip's own error names its package.
		},
		"TwoFiles": {
			reason: "A CUR zip holds one CSV; two are refused rather than guessed at.",
			srcs:   []Source{bytesSource{name: "two.zip", b: zipBytes(t, [2]string{"a.csv", csv}, [2]string{"b.csv", csv})}},
			want:   want{err: `cannot ingest "two.zip": cannot read zip: it holds 2 files ["a.csv" "b.csv"]; a CUR zip holds one CSV`},
		},
		"DirectoriesSkipped": {
			reason: "Folders and macOS resource forks inside a zip are not files.",
			srcs:   []Source{bytesSource{name: "mac.zip", b: zipBytes(t, [2]string{"x/", ""}, [2]string{"x/r-1.csv", csv}, [2]string{"__MACOSX/x/._r-1.csv", "junk"})}},
			want:   want{billed: "375.55"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srcs := tc.srcs
			if tc.arg != "" {
				var err error
				srcs, err = ParseSource(t.Context(), tc.arg, SourceOptions{S3: s3c, HTTP: srv.Client()})
				if err != nil {
					t.Fatal(err)
				}
			}
			res, err := Ingest(t.Context(), srcs, Options{TempDir: t.TempDir()})
			var got want
			if err != nil {
				got.err = err.Error()
				if tc.want.err != "" && strings.HasPrefix(got.err, tc.want.err) {
					got.err = tc.want.err
				}
			} else {
				got.billed = spaceOf(res, nil, "team-a").billed
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
