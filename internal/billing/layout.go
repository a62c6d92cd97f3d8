package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// Export layouts, as AWS delivers them.
//
// Legacy CUR (Cost and Usage Reports) writes each period to
// <prefix>/<report>/<yyyymmdd-yyyymmdd>/. With "create new report version"
// every delivery is a folder <assemblyId>/ of its own, holding its data
// files and a copy of its manifest, and the period folder holds
// <report>-Manifest.json, overwritten on every delivery, whose assemblyId
// and reportKeys name the current one. With "overwrite" the data files sit
// in the period folder beside that manifest. The Athena (Parquet) flavour
// uses <report>/year=YYYY/month=M/ with the manifest beside the data.
//
// AWS Data Exports (CUR 2.0, FOCUS) writes <prefix>/<export>/data/
// BILLING_PERIOD=YYYY-MM/ and <prefix>/<export>/metadata/BILLING_PERIOD=
// YYYY-MM/<export>-Manifest.json, whose dataFiles (s3:// URIs) are the files
// of the latest execution. With "create new" each execution's data sits in
// data/BILLING_PERIOD=YYYY-MM/<timestamp>-<executionId>/, with a copy of its
// manifest in the same folder under metadata/; with "overwrite" the data
// files sit in the partition folder itself (and chunks left over by a
// bigger earlier delivery are emptied, not removed).
//
// A listing (S3 prefix or local directory) therefore reads, for a period
// folder with a current manifest, exactly the files that manifest names,
// and ignores the other data files under that period folder (older
// deliveries, stale chunks). The copies of manifests inside delivery
// folders are ignored. Data files that no manifest governs are all read;
// Ingest then refuses to sum two deliveries of one period folder (see
// checkDeliveries).

// listedFile is one file of a listing. key is the S3 key, or the slash path
// of a local file.
type listedFile struct {
	key      string
	size     int64
	etag     string
	modTime  time.Time
	manifest string // URI of the manifest that picked it
}

func (f listedFile) info() *ObjectInfo {
	return &ObjectInfo{Size: f.size, ETag: f.etag, ModTime: f.modTime, Manifest: f.manifest}
}

// isDataKey reports whether a listed file is billing data: CSV, gzip or
// zip CSV, or Parquet, and not the CUR Athena status table.
func isDataKey(k string) bool {
	lk := strings.ToLower(k)
	if slices.Contains(strings.Split(lk, "/"), "cost_and_usage_data_status") {
		return false
	}
	for _, ext := range []string{".csv", ".gz", ".zip", ".parquet"} {
		if strings.HasSuffix(lk, ext) {
			return true
		}
	}
	return false
}

// isManifestKey reports whether a listed file is a CUR or Data Exports
// manifest: Manifest.json or <name>-Manifest.json (not the
// <report>-RedshiftManifest.json of the Redshift integration).
func isManifestKey(k string) bool {
	b := path.Base(k)
	return b == "Manifest.json" || strings.HasSuffix(b, "-Manifest.json")
}

var (
	curRange     = regexp.MustCompile(`^(\d{4})(\d{2})\d{2}-\d{8}$`)
	exportPeriod = regexp.MustCompile(`^BILLING_PERIOD=(\d{4})-(\d{2})$`)
	athenaYear   = regexp.MustCompile(`^year=(\d{4})$`)
	athenaMonth  = regexp.MustCompile(`^month=(\d{1,2})$`)
)

// periodFolder reports whether component i of a path is the folder of a
// billing period, and the period as YYYY-MM.
func periodFolder(parts []string, i int) (string, bool) {
	if m := curRange.FindStringSubmatch(parts[i]); m != nil {
		return m[1] + "-" + m[2], true
	}
	if m := exportPeriod.FindStringSubmatch(parts[i]); m != nil {
		return m[1] + "-" + m[2], true
	}
	if m := athenaMonth.FindStringSubmatch(parts[i]); m != nil && i > 0 {
		if y := athenaYear.FindStringSubmatch(parts[i-1]); y != nil {
			if len(m[1]) == 1 {
				return y[1] + "-0" + m[1], true
			}
			return y[1] + "-" + m[1], true
		}
	}
	return "", false
}

// delivery locates a file in an export layout: the period folder it is in
// (the path up to it), the billing period, and the delivery folder under
// the period folder (an assemblyId or <timestamp>-<executionId>), empty
// when the file sits in the period folder itself. ok is false for a path
// with no period folder.
func delivery(loc string) (folder, period, deliv string, ok bool) {
	parts := strings.Split(loc, "/")
	for i := len(parts) - 2; i >= 0; i-- {
		p, isPeriod := periodFolder(parts, i)
		if !isPeriod {
			continue
		}
		folder = strings.Join(parts[:i+1], "/")
		if i+2 < len(parts) {
			deliv = parts[i+1]
		}
		return folder, p, deliv, true
	}
	return "", "", "", false
}

// manifestFile is the union of the fields read from a legacy CUR
// <report>-Manifest.json and a Data Exports Manifest.json. Neither
// carries file sizes; the sizes checked are the listing's.
type manifestFile struct {
	AssemblyID  *string  `json:"assemblyId"`
	ReportKeys  []string `json:"reportKeys"`
	ExecutionID *string  `json:"executionId"`
	DataFiles   []string `json:"dataFiles"`
}

// keys returns the data files the manifest names, as keys (Data Exports
// names them as s3:// URIs).
func (m manifestFile) keys() []string {
	out := slices.Clone(m.ReportKeys)
	for _, f := range m.DataFiles {
		if rest, ok := strings.CutPrefix(f, "s3://"); ok {
			_, f, _ = strings.Cut(rest, "/")
		}
		out = append(out, f)
	}
	return out
}

// scope returns the folder whose data files a current manifest governs,
// and the anchor: the folder name a listed key shares with the manifest's
// own keys. A Data Exports manifest in metadata/BILLING_PERIOD=X governs
// data/BILLING_PERIOD=X; any other manifest governs its own folder.
func scope(manifestKey string) (dir, anchor string) {
	dir = path.Dir(manifestKey)
	anchor = path.Base(dir)
	parent := path.Dir(dir)
	if path.Base(parent) == "metadata" {
		dir = path.Join(path.Dir(parent), "data", anchor)
	}
	return dir, anchor
}

// inDeliveryFolder reports whether a manifest is the copy a delivery keeps
// in its own folder (<period>/<assemblyId>/ or <period>/<execution>/).
func inDeliveryFolder(manifestKey string) bool {
	_, _, deliv, ok := delivery(manifestKey)
	return ok && deliv != ""
}

// resolveListing picks the billing data files of a listing, sorted by key.
// read returns a file's bytes; uri names a key in messages. A manifest that
// cannot be read or parsed, or that names a file the listing does not
// hold, fails the listing: reading part of a delivery would be wrong.
func resolveListing(ctx context.Context, files []listedFile, read func(ctx context.Context, key string) ([]byte, error), uri func(key string) string, log logr.Logger) ([]listedFile, error) {
	byKey := map[string]int{}
	var data []int
	var manifests []string
	for i, f := range files {
		switch {
		case strings.HasSuffix(f.key, "/"):
		case isManifestKey(f.key):
			manifests = append(manifests, f.key)
		case isDataKey(f.key):
			byKey[f.key] = i
			data = append(data, i)
		}
	}
	slices.Sort(manifests)

	type governed struct {
		dir      string
		manifest string
	}
	var scopes []governed
	picked := map[int]string{} // file index: manifest URI
	for _, mk := range manifests {
		if inDeliveryFolder(mk) {
			log.V(1).Info("Ignored the copy of a manifest in a delivery folder", "manifest", uri(mk))
			continue
		}
		b, err := read(ctx, mk)
		if err != nil {
			return nil, fmt.Errorf("cannot read manifest %q: %w", uri(mk), err)
		}
		var m manifestFile
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("cannot parse manifest %q: %w", uri(mk), err)
		}
		if m.AssemblyID == nil && m.ExecutionID == nil && m.ReportKeys == nil && m.DataFiles == nil {
			return nil, fmt.Errorf("cannot parse manifest %q: it has none of assemblyId, reportKeys, executionId and dataFiles: not a CUR or Data Exports manifest", uri(mk))
		}
		dir, anchor := scope(mk)
		scopes = append(scopes, governed{dir: dir, manifest: uri(mk)})
		for _, k := range m.keys() {
			i, ok := matchKey(byKey, k, dir, anchor)
			if u, err := url.PathUnescape(k); !ok && err == nil && u != k {
				i, ok = matchKey(byKey, u, dir, anchor)
			}
			if !ok {
				return nil, fmt.Errorf("cannot read the delivery of manifest %q: it names %q, which is not in the listing (list the whole export, or the manifest's period folder)", uri(mk), k)
			}
			picked[i] = uri(mk)
		}
		id := ""
		switch {
		case m.AssemblyID != nil:
			id = *m.AssemblyID
		case m.ExecutionID != nil:
			id = *m.ExecutionID
		}
		log.V(1).Info("Honoured manifest", "manifest", uri(mk), "delivery", id, "files", len(m.keys()))
	}

	var out []listedFile
	for _, i := range data {
		f := files[i]
		if m, ok := picked[i]; ok {
			f.manifest = m
			out = append(out, f)
			continue
		}
		// The innermost manifest whose folder holds the file governs it.
		gov := ""
		for _, s := range scopes {
			if strings.HasPrefix(f.key, s.dir+"/") && len(s.dir) > len(gov) {
				gov = s.manifest
			}
		}
		if gov != "" {
			log.V(1).Info("Ignored a file the current manifest does not name", "uri", uri(f.key), "manifest", gov)
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b listedFile) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// matchKey finds the listed file a manifest key names. On S3 the key is
// the listed key itself. A local copy of an export keeps the layout below
// some folder: the key then maps to the manifest's scope folder followed
// by what comes after the anchor (the period folder) in the key.
func matchKey(byKey map[string]int, key, dir, anchor string) (int, bool) {
	if i, ok := byKey[key]; ok {
		return i, true
	}
	parts := strings.Split(key, "/")
	for j := len(parts) - 2; j >= 0; j-- {
		if parts[j] == anchor {
			i, ok := byKey[dir+"/"+strings.Join(parts[j+1:], "/")]
			return i, ok
		}
	}
	return 0, false
}
