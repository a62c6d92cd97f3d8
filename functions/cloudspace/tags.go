package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// AWS's rules for the tags of a resource.
const (
	// MaxTagsPerResource is the most user tags AWS allows on a resource.
	MaxTagsPerResource = 50
	// MaxTagKeyLength and MaxTagValueLength count UTF-8 characters.
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
)

// DefaultLabelPrefix prefixes the label keys of tags on Kubernetes objects.
const DefaultLabelPrefix = "tags.cloudspace.dev/"

// ProviderTags are the tags provider-aws adds to every taggable resource
// itself. They count against MaxTagsPerResource.
func ProviderTags() []string {
	return []string{"crossplane-kind", "crossplane-name", "crossplane-providerconfig"}
}

// Claim fields a required tag may read with fromClaim.
const (
	ClaimFieldName        = "metadata.name"
	ClaimFieldTeam        = "spec.team"
	ClaimFieldEnvironment = "spec.environment"
	ClaimFieldOwner       = "spec.owner"
	ClaimFieldCostCenter  = "spec.costCenter"
	ClaimFieldTier        = "spec.tier"
	ClaimFieldRegion      = "spec.region"
)

// ClaimFields lists every claim field a required tag may read.
func ClaimFields() []string {
	return []string{ClaimFieldName, ClaimFieldTeam, ClaimFieldEnvironment, ClaimFieldOwner, ClaimFieldCostCenter, ClaimFieldTier, ClaimFieldRegion}
}

// reTagChars are the characters AWS allows in tag keys and values: letters,
// digits, white space and _ . : / = + - @.
var reTagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// DefaultTagPolicy is the policy of an input that declares none: the
// space, team, environment and cost center, all enforced.
func DefaultTagPolicy() *fnv1alpha1.TagPolicy {
	return &fnv1alpha1.TagPolicy{Required: []fnv1alpha1.RequiredTag{
		{Key: "cloudspace", FromClaim: ClaimFieldName},
		{Key: "team", FromClaim: ClaimFieldTeam},
		{Key: "environment", FromClaim: ClaimFieldEnvironment},
		{Key: "cost-center", FromClaim: ClaimFieldCostCenter},
	}}
}

func tagPolicy(s *Space) *fnv1alpha1.TagPolicy {
	if s.Input != nil && s.Input.TagPolicy != nil {
		return s.Input.TagPolicy
	}
	return DefaultTagPolicy()
}

// compilePattern compiles a tag policy pattern, which must match a whole
// value.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + p + `)$`)
}

// ResolveTags returns the cost tags of s: the policy's required tags from
// their sources, and the claim's own tags. A claim tag may not set an
// enforced key; every value must satisfy its tag's allowed values or
// pattern; and the whole set must satisfy AWS's rules. Every problem is
// returned, each naming the field and the rule. Policy problems are under
// the input's path tagPolicy, claim problems under spec.tags.
func ResolveTags(s *Space) (map[string]string, field.ErrorList) {
	pol := tagPolicy(s)
	pp := field.NewPath("tagPolicy")
	ct := field.NewPath("spec", "tags")
	var errs field.ErrorList

	overridable := map[string]bool{}
	for _, k := range pol.Overridable {
		overridable[strings.ToLower(k)] = true
	}
	enforced := map[string]bool{}
	for _, k := range pol.Enforced {
		enforced[strings.ToLower(k)] = true
	}

	tags := make(map[string]string, len(pol.Required)+len(s.Spec.Tags))
	required := map[string]int{} // lower-case key to index in pol.Required
	for i, rt := range pol.Required {
		rp := pp.Child("required").Index(i)
		lk := strings.ToLower(rt.Key)
		if _, dup := required[lk]; dup {
			errs = append(errs, field.Duplicate(rp.Child("key"), rt.Key))
			continue
		}
		required[lk] = i
		if !overridable[lk] {
			enforced[lk] = true
		}
		v, verrs := tagSource(s, pol, rt, rp)
		errs = append(errs, verrs...)
		tags[rt.Key] = v
	}
	for _, k := range pol.Overridable {
		if _, ok := required[strings.ToLower(k)]; !ok {
			errs = append(errs, field.Invalid(pp.Child("overridable"), k, "must name a required tag"))
		}
	}

	for _, k := range sortedKeys(s.Spec.Tags) {
		lk := strings.ToLower(k)
		if enforced[lk] {
			errs = append(errs, field.Forbidden(ct.Key(k), fmt.Sprintf("tag %q is enforced by the platform's tag policy and cannot be set by a claim", k)))
			continue
		}
		if i, ok := required[lk]; ok && pol.Required[i].Key != k {
			errs = append(errs, field.Invalid(ct.Key(k), k, fmt.Sprintf("must be spelled %q, as the tag policy spells it", pol.Required[i].Key)))
			continue
		}
		tags[k] = s.Spec.Tags[k]
	}

	// The resolved value of every required tag, whichever its source, must
	// satisfy the tag's rule.
	for i, rt := range pol.Required {
		v, ok := tags[rt.Key]
		if !ok {
			continue
		}
		// Name the field the value came from.
		vp := pp.Child("required").Index(i)
		if _, override := s.Spec.Tags[rt.Key]; override {
			vp = ct.Key(rt.Key)
		} else if rt.FromClaim != "" {
			vp = field.NewPath(rt.FromClaim)
		}
		if len(rt.AllowedValues) > 0 && !slices.Contains(rt.AllowedValues, v) {
			errs = append(errs, field.Invalid(vp, v, fmt.Sprintf("must be one of %q, the allowed values of the tag policy's tag %q", rt.AllowedValues, rt.Key)))
		}
		if rt.Pattern != "" {
			re, err := compilePattern(rt.Pattern)
			switch {
			case err != nil:
				errs = append(errs, field.Invalid(pp.Child("required").Index(i).Child("pattern"), rt.Pattern, "must be a valid regular expression: "+err.Error()))
			case !re.MatchString(v):
				errs = append(errs, field.Invalid(vp, v, fmt.Sprintf("must match the pattern %s of the tag policy's tag %q", rt.Pattern, rt.Key)))
			}
		}
	}
	if pol.LabelPrefix != "" {
		if msg := validateLabelPrefix(pol.LabelPrefix); msg != "" {
			errs = append(errs, field.Invalid(pp.Child("labelPrefix"), pol.LabelPrefix, msg))
		}
	}
	return tags, errs
}

// tagSource returns the value of a required tag from its source.
func tagSource(s *Space, pol *fnv1alpha1.TagPolicy, rt fnv1alpha1.RequiredTag, p *field.Path) (string, field.ErrorList) {
	n := 0
	for _, set := range []bool{rt.FromClaim != "", rt.FromTeam != "", rt.Value != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", field.ErrorList{field.Invalid(p, rt.Key, "must set exactly one of fromClaim, fromTeam and value")}
	}
	switch {
	case rt.FromClaim != "":
		switch rt.FromClaim {
		case ClaimFieldName:
			return s.Name, nil
		case ClaimFieldTeam:
			return s.Spec.Team, nil
		case ClaimFieldEnvironment:
			return string(s.Spec.Environment), nil
		case ClaimFieldOwner:
			return s.Spec.Owner, nil
		case ClaimFieldCostCenter:
			return s.Spec.CostCenter, nil
		case ClaimFieldTier:
			return string(s.Spec.Tier), nil
		case ClaimFieldRegion:
			return s.Spec.Region, nil
		}
		return "", field.ErrorList{field.NotSupported(p.Child("fromClaim"), rt.FromClaim, ClaimFields())}
	case rt.FromTeam != "":
		td, ok := pol.Teams[s.Spec.Team]
		if !ok {
			return "", field.ErrorList{field.Invalid(field.NewPath("spec", "team"), s.Spec.Team, fmt.Sprintf("has no data in the tag policy (tagPolicy.teams), which tag %q reads", rt.Key))}
		}
		v, ok := td[rt.FromTeam]
		if !ok {
			return "", field.ErrorList{field.Invalid(field.NewPath("tagPolicy", "teams").Key(s.Spec.Team), rt.FromTeam, fmt.Sprintf("team %q has no %q, which tag %q reads", s.Spec.Team, rt.FromTeam, rt.Key))}
		}
		return v, nil
	}
	return rt.Value, nil
}

// TagViolation is a tag that breaks one of AWS's rules.
type TagViolation struct {
	Key  string
	Rule string
}

// ValidateAWSTags checks tags against AWS's rules for the tags of one
// resource, counting the tags provider-aws adds itself. Violations are
// sorted by key.
func ValidateAWSTags(tags map[string]string) []TagViolation {
	var vs []TagViolation
	if n := len(tags) + len(ProviderTags()); n > MaxTagsPerResource {
		vs = append(vs, TagViolation{Rule: fmt.Sprintf("a resource may carry at most %d tags, and %d user tags plus the %d provider-aws adds make %d", MaxTagsPerResource, len(tags), len(ProviderTags()), n)})
	}
	lower := map[string]string{}
	for _, k := range sortedKeys(tags) {
		for _, r := range tagKeyRules(k) {
			vs = append(vs, TagViolation{Key: k, Rule: r})
		}
		v := tags[k]
		if !utf8.ValidString(v) {
			vs = append(vs, TagViolation{Key: k, Rule: "the value must be valid UTF-8"})
		} else {
			if n := utf8.RuneCountInString(v); n > MaxTagValueLength {
				vs = append(vs, TagViolation{Key: k, Rule: fmt.Sprintf("the value must be at most %d characters, not %d", MaxTagValueLength, n)})
			}
			if !reTagChars.MatchString(v) {
				vs = append(vs, TagViolation{Key: k, Rule: "the value may hold only letters, digits, spaces and _ . : / = + - @"})
			}
		}
		lk := strings.ToLower(k)
		if other, dup := lower[lk]; dup {
			vs = append(vs, TagViolation{Key: k, Rule: fmt.Sprintf("the key differs from the key %q only by case", other)})
		}
		lower[lk] = k
		if slices.Contains(ProviderTags(), lk) {
			vs = append(vs, TagViolation{Key: k, Rule: "the key is reserved: provider-aws sets it itself"})
		}
	}
	return vs
}

// tagKeyRules returns the AWS rules key breaks.
func tagKeyRules(k string) []string {
	if !utf8.ValidString(k) {
		return []string{"the key must be valid UTF-8"}
	}
	var rs []string
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		rs = append(rs, "the key must not be empty")
	case n > MaxTagKeyLength:
		rs = append(rs, fmt.Sprintf("the key must be at most %d characters, not %d", MaxTagKeyLength, n))
	}
	if !reTagChars.MatchString(k) {
		rs = append(rs, "the key may hold only letters, digits, spaces and _ . : / = + - @")
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		rs = append(rs, "the key must not start with the prefix aws:, which AWS reserves")
	}
	return rs
}

var typeTags = reflect.TypeFor[map[string]*string]()

// tagsIndex is the index path of Spec.ForProvider.Tags in the struct t
// points to when that field is a map[string]*string, as in taggable
// provider-aws resources, or nil.
func tagsIndex(t reflect.Type) []int {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	spec, ok := t.Elem().FieldByName("Spec")
	if !ok || spec.Type.Kind() != reflect.Struct {
		return nil
	}
	fp, ok := spec.Type.FieldByName("ForProvider")
	if !ok || fp.Type.Kind() != reflect.Struct {
		return nil
	}
	tf, ok := fp.Type.FieldByName("Tags")
	if !ok || tf.Type != typeTags {
		return nil
	}
	return slices.Concat(spec.Index, fp.Index, tf.Index)
}

// Taggable reports whether obj's type has spec.forProvider.tags, as
// taggable provider-aws resources do.
func Taggable(obj runtime.Object) bool {
	return obj != nil && tagsIndex(reflect.TypeOf(obj)) != nil
}

// SetTags sets spec.forProvider.tags of a taggable obj to tags, in the
// form provider-aws types hold them (AWSTags), and reports whether it did.
// It leaves other objects alone. The resources of a space share one map:
// nothing changes it once it is set.
func SetTags(obj runtime.Object, tags map[string]*string) bool {
	if obj == nil {
		return false
	}
	idx := tagsIndex(reflect.TypeOf(obj))
	if idx == nil {
		return false
	}
	reflect.ValueOf(obj).Elem().FieldByIndex(idx).Set(reflect.ValueOf(tags))
	return true
}

// AWSTags is tags in the form provider-aws types hold them.
func AWSTags(tags map[string]string) map[string]*string {
	t := make(map[string]*string, len(tags))
	for k, v := range tags {
		t[k] = ptr(v)
	}
	return t
}

// Label syntax of Kubernetes.
const (
	maxLabelName  = 63
	maxLabelValue = 63
)

// TagLabels returns tags as Kubernetes labels: each key prefixed with
// prefix, and keys and values normalised to label syntax. Normalisation is
// deterministic: a character labels do not allow becomes '-', the ends are
// trimmed to letters and digits, and a name or value that normalisation
// changed or that is too long ends in a hash of the original, so distinct
// tags never share a label.
func TagLabels(prefix string, tags map[string]string) map[string]string {
	if prefix == "" {
		prefix = DefaultLabelPrefix
	}
	l := make(map[string]string, len(tags))
	for k, v := range tags {
		l[prefix+normaliseLabel(k, maxLabelName, false)] = normaliseLabel(v, maxLabelValue, true)
	}
	return l
}

// normaliseLabel returns s in label syntax: at most n of [A-Za-z0-9._-],
// starting and ending with a letter or digit. An empty value stays empty
// when emptyOK; an empty name becomes "tag" and a hash.
func normaliseLabel(s string, n int, emptyOK bool) string {
	if s == "" && emptyOK {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.TrimFunc(b.String(), func(r rune) bool { return !isAlnum(r) })
	if out == s && len(out) <= n {
		return out
	}
	if out == "" {
		out = "tag"
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])[:8]
	if len(out) > n-9 {
		out = strings.TrimRightFunc(out[:n-9], func(r rune) bool { return !isAlnum(r) })
	}
	return out + "-" + h
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

var reLabelPrefix = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/$`)

func validateLabelPrefix(p string) string {
	if len(p) > 254 || !reLabelPrefix.MatchString(p) {
		return "must be a DNS subdomain of at most 253 characters followed by a slash, such as tags.cloudspace.dev/"
	}
	return ""
}

// labelPrefix is the tag label prefix of s.
func labelPrefix(s *Space) string {
	if p := tagPolicy(s).LabelPrefix; p != "" {
		return p
	}
	return DefaultLabelPrefix
}

// ValidateTagPolicy checks the shape of a tag policy, independent of any
// claim, so that a bad policy is reported as bad function input: every
// required tag has a key AWS allows, unique regardless of case, exactly one
// source, a known claim field, a valid pattern, and a constant AWS allows;
// overridable keys are required keys; the label prefix is a DNS subdomain
// and a slash. Errors are under tagPolicy.
func ValidateTagPolicy(pol *fnv1alpha1.TagPolicy) field.ErrorList {
	if pol == nil {
		return nil
	}
	p := field.NewPath("tagPolicy")
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, rt := range pol.Required {
		rp := p.Child("required").Index(i)
		for _, r := range tagKeyRules(rt.Key) {
			errs = append(errs, field.Invalid(rp.Child("key"), rt.Key, "breaks AWS's tag rules: "+r))
		}
		lk := strings.ToLower(rt.Key)
		if seen[lk] {
			errs = append(errs, field.Duplicate(rp.Child("key"), rt.Key))
		}
		seen[lk] = true
		n := 0
		for _, set := range []bool{rt.FromClaim != "", rt.FromTeam != "", rt.Value != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, field.Invalid(rp, rt.Key, "must set exactly one of fromClaim, fromTeam and value"))
		}
		if rt.FromClaim != "" && !slices.Contains(ClaimFields(), rt.FromClaim) {
			errs = append(errs, field.NotSupported(rp.Child("fromClaim"), rt.FromClaim, ClaimFields()))
		}
		if rt.Value != "" {
			for _, v := range ValidateAWSTags(map[string]string{"k": rt.Value}) {
				errs = append(errs, field.Invalid(rp.Child("value"), rt.Value, "breaks AWS's tag rules: "+v.Rule))
			}
		}
		if rt.Pattern != "" {
			if _, err := compilePattern(rt.Pattern); err != nil {
				errs = append(errs, field.Invalid(rp.Child("pattern"), rt.Pattern, "must be a valid regular expression: "+err.Error()))
			}
		}
	}
	for i, k := range pol.Overridable {
		if !seen[strings.ToLower(k)] {
			errs = append(errs, field.Invalid(p.Child("overridable").Index(i), k, "must name a required tag"))
		}
	}
	for i, k := range pol.Enforced {
		for _, r := range tagKeyRules(k) {
			errs = append(errs, field.Invalid(p.Child("enforced").Index(i), k, "breaks AWS's tag rules: "+r))
		}
	}
	if pol.LabelPrefix != "" {
		if msg := validateLabelPrefix(pol.LabelPrefix); msg != "" {
			errs = append(errs, field.Invalid(p.Child("labelPrefix"), pol.LabelPrefix, msg))
		}
	}
	return errs
}
