package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Labels Crossplane puts on a composite resource created for a claim.
const (
	LabelClaimName      = "crossplane.io/claim-name"
	LabelClaimNamespace = "crossplane.io/claim-namespace"
)

// Cost labels on every tenant Kubernetes object.
const (
	LabelSpace       = "platform.cloudspace.dev/space"
	LabelTeam        = "platform.cloudspace.dev/team"
	LabelEnvironment = "platform.cloudspace.dev/environment"
	LabelTier        = "platform.cloudspace.dev/tier"
	LabelCostCenter  = "platform.cloudspace.dev/cost-center"
)

// Space is a validated CloudSpace request with its defaults applied, and
// the tier that governs it.
type Space struct {
	// Name of the composite resource.
	Name string

	// Spec of the composite resource, defaulted.
	Spec v1alpha1.XCloudSpaceSpec

	// Tier from the function input's catalog.
	Tier fnv1alpha1.TierSpec

	// Namespace is the tenant namespace.
	Namespace string

	// CIDR of the VPC.
	CIDR netip.Prefix

	// Zones are the letters of the zones the subnets use, in order: the
	// region catalog's, or a, b, c and on.
	Zones []string

	// Requested quantities.
	CPU, Memory, Storage, GPU resource.Quantity

	// Input is the function input.
	Input *fnv1alpha1.Composer
}

var (
	reDNSLabel   = regexp.MustCompile(v1alpha1.PatternDNSLabel)
	reEmail      = regexp.MustCompile(v1alpha1.PatternEmail)
	reCostCenter = regexp.MustCompile(v1alpha1.PatternCostCenter)
	reRegion     = regexp.MustCompile(v1alpha1.PatternRegion)
	reMoney      = regexp.MustCompile(v1alpha1.PatternMoney)
	reCurrency   = regexp.MustCompile(v1alpha1.PatternCurrency)
)

// rfc1918 are the private IPv4 blocks a VPC may use.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// NewSpace validates xr against the input's policy and applies defaults.
// It returns every problem at once, each naming its field, value and rule.
func NewSpace(xr *v1alpha1.XCloudSpace, in *fnv1alpha1.Composer) (*Space, field.ErrorList) {
	spec := xr.Spec
	Default(&spec)
	s := &Space{Name: xr.GetName(), Spec: spec, Input: in}

	p := field.NewPath("spec")
	var errs field.ErrorList

	errs = append(errs, validateClaim(xr)...)
	errs = append(errs, validateDNSLabel(p.Child("team"), spec.Team, 40)...)
	if !slices.Contains(v1alpha1.Environments(), spec.Environment) {
		errs = append(errs, field.NotSupported(p.Child("environment"), spec.Environment, v1alpha1.Environments()))
	}
	switch {
	case len(spec.Owner) > maxOwnerLength:
		errs = append(errs, field.TooLong(p.Child("owner"), "", maxOwnerLength))
	case !reEmail.MatchString(spec.Owner):
		errs = append(errs, field.Invalid(p.Child("owner"), spec.Owner, "must be an e-mail address such as dev@example.com"))
	}
	if !reCostCenter.MatchString(spec.CostCenter) {
		errs = append(errs, field.Invalid(p.Child("costCenter"), spec.CostCenter, "must match "+v1alpha1.PatternCostCenter))
	}
	errs = append(errs, validateRegion(p.Child("region"), spec.Region)...)
	tier, ok := findTier(in, spec.Tier)
	switch {
	case !slices.Contains(v1alpha1.Tiers(), spec.Tier):
		errs = append(errs, field.NotSupported(p.Child("tier"), spec.Tier, v1alpha1.Tiers()))
	case !ok:
		errs = append(errs, field.Invalid(p.Child("tier"), spec.Tier, "is not offered by the platform's tier catalog"))
	default:
		s.Tier = tier
	}

	var nerrs field.ErrorList
	s.CIDR, nerrs = validateNetwork(p.Child("network"), spec.Network)
	errs = append(errs, nerrs...)
	if z := spec.Network.Zones(); spec.Environment == v1alpha1.EnvironmentProd && z >= 1 && z < minProdZones {
		errs = append(errs, field.Invalid(p.Child("network", "availabilityZones"), z, fmt.Sprintf("must be at least %d in prod", minProdZones)))
	}
	var zerrs field.ErrorList
	s.Zones, zerrs = zonesOf(p, in.Regions, spec.Region, spec.Network.Zones())
	errs = append(errs, zerrs...)

	rp := p.Child("resources")
	var q [4]resource.Quantity
	for i, f := range []struct {
		name     string
		v        v1alpha1.Quantity
		required bool
	}{
		{"cpu", spec.Resources.CPU, true},
		{"memory", spec.Resources.Memory, true},
		{"storage", spec.Resources.Storage, false},
		{"gpu", spec.Resources.GPU, false},
	} {
		var qerrs field.ErrorList
		q[i], qerrs = parseQuantity(rp.Child(f.name), f.v, f.required)
		errs = append(errs, qerrs...)
		// As the XRD's CEL rules: a namespace without cpu or memory runs
		// no pod, as every pod gets the LimitRange's default requests.
		if f.required && len(qerrs) == 0 && q[i].IsZero() {
			errs = append(errs, field.Invalid(rp.Child(f.name), f.v, fmt.Sprintf("must be more than 0: a namespace without %s runs no pod", f.name)))
		}
	}
	s.CPU, s.Memory, s.Storage, s.GPU = q[0], q[1], q[2], q[3]
	if s.GPU.Value()*1000 != s.GPU.MilliValue() {
		errs = append(errs, field.Invalid(rp.Child("gpu"), spec.Resources.GPU, "must be a whole number of GPUs"))
	}
	// As the XRD's CEL rule: any GPU count but the string "0" needs a GPU tier.
	if spec.Resources.GPU != "" && spec.Resources.GPU != "0" && spec.Tier != v1alpha1.TierLarge && spec.Tier != v1alpha1.TierXLarge {
		errs = append(errs, field.Invalid(rp.Child("gpu"), spec.Resources.GPU, "needs tier large or xlarge"))
	}

	errs = append(errs, validateBudget(p.Child("budget"), spec.Budget)...)
	errs = append(errs, validateTags(p.Child("tags"), spec.Tags)...)
	if spec.LimitRange != nil {
		errs = append(errs, validateLimitRangeQuantities(p.Child("limitRange"), spec.LimitRange)...)
	}

	s.Namespace = TenantNamespace(xr)
	if pat, ok := reserved(in.Tenant.ReservedNamespaces, s.Namespace); ok && xr.GetLabels()[LabelClaimName] != "" {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "labels").Key(LabelClaimName), xr.GetLabels()[LabelClaimName], fmt.Sprintf(
			"the tenant namespace %s, the claim's namespace and name joined, is reserved by the platform (tenant.reservedNamespaces: %s): rename the claim", s.Namespace, pat)))
	}
	return s, errs
}

// reserved returns the first of the patterns (the defaults when there are
// none) that ns matches.
func reserved(patterns []string, ns string) (string, bool) {
	if len(patterns) == 0 {
		patterns = fnv1alpha1.DefaultReservedNamespaces()
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, ns); ok { // ValidateInput refused malformed patterns.
			return p, true
		}
	}
	return "", false
}

// Bounds the XRD's schema sets, which the function holds too: the API
// server's validation is bypassed by a composite created directly, an older
// XRD or crossplane render.
const (
	maxOwnerLength  = 254
	maxRegionLength = 32
	maxClaimTags    = 40
	minProdZones    = 2
)

// lookAlike returns the rule a claim's tag key breaks that lets it pass for
// another key, or "": space at either end or two in a row, a control or
// invisible format character (a zero-width space), or letters of two
// scripts in one key (a Cyrillic "с" in "cost-center").
func lookAlike(k string) string {
	if strings.TrimSpace(k) != k || strings.Contains(k, "  ") {
		return "the key must not begin or end with a space or hold two in a row"
	}
	var script *unicode.RangeTable
	for _, r := range k {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Sprintf("the key must not hold the invisible character %U", r)
		}
		if !unicode.IsLetter(r) {
			continue
		}
		s := scriptOf(r)
		if script != nil && s != script {
			return "the key must not mix letters of two scripts"
		}
		script = s
	}
	return ""
}

// scripts are the scripts lookAlike tells apart; letters of others count
// as one more script.
var scripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Arabic, unicode.Hebrew}

func scriptOf(r rune) *unicode.RangeTable {
	for _, s := range scripts {
		if unicode.Is(s, r) {
			return s
		}
	}
	return unicode.L
}

// validateClaim checks that xr comes from a CloudSpace claim whose name
// can name the tenant namespace. A composite created without a claim would
// name its tenant namespace after itself, so any name (kube-system, another
// team's namespace) could be asked for.
func validateClaim(xr *v1alpha1.XCloudSpace) field.ErrorList {
	l := xr.GetLabels()
	lp := field.NewPath("metadata", "labels")
	cn, cns := l[LabelClaimName], l[LabelClaimNamespace]
	var errs field.ErrorList
	if cns == "" {
		errs = append(errs, field.Required(lp.Key(LabelClaimNamespace), "an XCloudSpace must be created through a CloudSpace claim in a team namespace, which names its tenant namespace"))
	} else if !reDNSLabel.MatchString(cns) {
		errs = append(errs, field.Invalid(lp.Key(LabelClaimNamespace), cns, "must be a namespace name"))
	}
	if cn == "" {
		errs = append(errs, field.Required(lp.Key(LabelClaimName), "an XCloudSpace must be created through a CloudSpace claim, whose name names its tenant namespace"))
	} else if !reDNSLabel.MatchString(cn) || len(cn) > 63 {
		errs = append(errs, field.Invalid(lp.Key(LabelClaimName), cn, "the claim's name must be a lower-case DNS label (a-z, 0-9 and '-', no dots): it names the tenant namespace and the KMS alias"))
	}
	return errs
}

// Default applies the API's defaults to fields the request left empty, as
// the API server would from the XRD's schema.
func Default(spec *v1alpha1.XCloudSpaceSpec) {
	if spec.Network.CIDR == "" {
		spec.Network.CIDR = v1alpha1.DefaultCIDR
	}
	if spec.Network.AvailabilityZones == nil {
		z := v1alpha1.DefaultAvailabilityZones
		spec.Network.AvailabilityZones = &z
	}
	if spec.Budget.Currency == "" {
		spec.Budget.Currency = v1alpha1.DefaultCurrency
	}
	if len(spec.Budget.AlertThresholds) == 0 {
		spec.Budget.AlertThresholds = v1alpha1.DefaultAlertThresholds()
	}
}

func findTier(in *fnv1alpha1.Composer, t v1alpha1.Tier) (fnv1alpha1.TierSpec, bool) {
	for _, ts := range in.Tiers {
		if ts.Name == t {
			return ts, true
		}
	}
	return fnv1alpha1.TierSpec{}, false
}

// validateRegion checks that v is an AWS region name. A value over the
// length limit is not echoed back.
func validateRegion(p *field.Path, v string) field.ErrorList {
	switch {
	case len(v) > maxRegionLength:
		return field.ErrorList{field.TooLong(p, "", maxRegionLength)}
	case !reRegion.MatchString(v):
		return field.ErrorList{field.Invalid(p, v, "must be an AWS region such as eu-west-1")}
	}
	return nil
}

func validateDNSLabel(p *field.Path, v string, maxLen int) field.ErrorList {
	switch {
	case v == "":
		return field.ErrorList{field.Required(p, "must be a lower-case DNS label")}
	case len(v) > maxLen:
		return field.ErrorList{field.TooLong(p, v, maxLen)}
	case !reDNSLabel.MatchString(v):
		return field.ErrorList{field.Invalid(p, v, "must be a lower-case DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit")}
	}
	return nil
}

func validateNetwork(p *field.Path, n v1alpha1.NetworkSpec) (netip.Prefix, field.ErrorList) {
	var errs field.ErrorList
	if z := n.Zones(); z < 1 || z > 6 {
		errs = append(errs, field.Invalid(p.Child("availabilityZones"), z, "must be from 1 to 6"))
	}
	cp := p.Child("cidr")
	pfx, err := netip.ParsePrefix(n.CIDR)
	switch {
	case err != nil:
		return pfx, append(errs, field.Invalid(cp, n.CIDR, "must be an IPv4 block in CIDR notation such as 10.0.0.0/16"))
	case !pfx.Addr().Is4():
		return pfx, append(errs, field.Invalid(cp, n.CIDR, "must be an IPv4 block"))
	case pfx.Masked() != pfx:
		return pfx, append(errs, field.Invalid(cp, n.CIDR, fmt.Sprintf("must have no host bits set (did you mean %s?)", pfx.Masked())))
	case pfx.Bits() < 16 || pfx.Bits() > 24:
		return pfx, append(errs, field.Invalid(cp, n.CIDR, "prefix length must be from /16 to /24, the sizes AWS allows for a VPC that holds subnets"))
	}
	private := false
	for _, r := range rfc1918 {
		if r.Bits() <= pfx.Bits() && r.Contains(pfx.Addr()) {
			private = true
		}
	}
	if !private {
		errs = append(errs, field.Invalid(cp, n.CIDR, "must be a private (RFC 1918) block within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"))
	}
	return pfx, errs
}

// Bounds of a quantity a claim or the input may give.
const (
	maxQuantityLength = 64
	maxQuantityScale  = 30
)

func parseQuantity(p *field.Path, v v1alpha1.Quantity, required bool) (resource.Quantity, field.ErrorList) {
	if v == "" {
		if required {
			return resource.Quantity{}, field.ErrorList{field.Required(p, "must be a Kubernetes quantity such as 500m, 4 or 8Gi")}
		}
		return resource.Quantity{}, nil
	}
	// Comparing quantities with huge exponents takes time that grows
	// faster than the exponent (1e3000000 takes a second), so bound both
	// the text and the exponent before anything compares them.
	if len(v) > maxQuantityLength {
		return resource.Quantity{}, field.ErrorList{field.TooLong(p, v, maxQuantityLength)}
	}
	if i := strings.LastIndexAny(string(v), "eE"); i >= 0 && len(strings.TrimLeft(string(v[i+1:]), "+-")) > 2 {
		return resource.Quantity{}, field.ErrorList{field.Invalid(p, v, fmt.Sprintf("must be between 1e-%d and 1e%d in magnitude", maxQuantityScale, maxQuantityScale))}
	}
	q, err := resource.ParseQuantity(string(v))
	if err != nil {
		return q, field.ErrorList{field.Invalid(p, v, "must be a Kubernetes quantity such as 500m, 4 or 8Gi")}
	}
	if sc := q.AsDec().Scale(); sc < -maxQuantityScale || sc > maxQuantityScale {
		return resource.Quantity{}, field.ErrorList{field.Invalid(p, v, fmt.Sprintf("must be between 1e-%d and 1e%d in magnitude", maxQuantityScale, maxQuantityScale))}
	}
	if q.Sign() < 0 {
		return q, field.ErrorList{field.Invalid(p, v, "must not be negative")}
	}
	return q, nil
}

func validateBudget(p *field.Path, b v1alpha1.BudgetSpec) field.ErrorList {
	var errs field.ErrorList
	if !reMoney.MatchString(b.MonthlyLimit) {
		errs = append(errs, field.Invalid(p.Child("monthlyLimit"), b.MonthlyLimit, "must be a decimal amount with at most two fraction digits, such as 1500.00"))
	}
	if !reCurrency.MatchString(b.Currency) {
		errs = append(errs, field.Invalid(p.Child("currency"), b.Currency, "must be an ISO 4217 code such as USD"))
	}
	seen := map[int]bool{}
	for i, t := range b.AlertThresholds {
		ip := p.Child("alertThresholds").Index(i)
		if t < 1 || t > 1000 {
			errs = append(errs, field.Invalid(ip, t, "must be a percentage from 1 to 1000"))
		}
		if seen[t] {
			errs = append(errs, field.Duplicate(ip, t))
		}
		seen[t] = true
	}
	return errs
}

// validateTags checks a claim's own tags against AWS's rules for keys and
// values. The tag policy and the count per resource are checked when the
// space is composed (ResolveTags, ValidateAWSTags).
func validateTags(p *field.Path, tags map[string]string) field.ErrorList {
	var errs field.ErrorList
	if len(tags) > maxClaimTags {
		errs = append(errs, field.TooMany(p, len(tags), maxClaimTags))
	}
	for _, k := range sortedKeys(tags) {
		if rule := lookAlike(k); rule != "" {
			errs = append(errs, field.Invalid(p.Key(k), k, rule+": a look-alike of an enforced key would pass beside it"))
			continue
		}
		for _, v := range ValidateAWSTags(map[string]string{k: tags[k]}) {
			if v.Key != "" {
				errs = append(errs, field.Invalid(p.Key(k), k, "breaks AWS's tag rules: "+v.Rule))
			}
		}
	}
	return errs
}

func validateLimitRangeQuantities(p *field.Path, lr *v1alpha1.LimitRangeSpec) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name string
		r    *v1alpha1.ComputeResources
	}{
		{"default", lr.Default}, {"defaultRequest", lr.DefaultRequest}, {"min", lr.Min}, {"max", lr.Max}, {"maxLimitRequestRatio", lr.MaxLimitRequestRatio},
	} {
		if c.r == nil {
			continue
		}
		_, e1 := parseQuantity(p.Child(c.name, "cpu"), c.r.CPU, false)
		_, e2 := parseQuantity(p.Child(c.name, "memory"), c.r.Memory, false)
		errs = append(errs, e1...)
		errs = append(errs, e2...)
	}
	_, e1 := parseQuantity(p.Child("minStorage"), lr.MinStorage, false)
	_, e2 := parseQuantity(p.Child("maxStorage"), lr.MaxStorage, false)
	return append(append(errs, e1...), e2...)
}

// ValidateInput checks the function input, returning every problem.
func ValidateInput(in *fnv1alpha1.Composer) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("tiers")
	if len(in.Tiers) == 0 {
		errs = append(errs, field.Required(p, "the tier catalog must list at least one tier"))
	}
	seen := map[v1alpha1.Tier]bool{}
	for i, t := range in.Tiers {
		tp := p.Index(i)
		if !slices.Contains(v1alpha1.Tiers(), t.Name) {
			errs = append(errs, field.NotSupported(tp.Child("name"), t.Name, v1alpha1.Tiers()))
		}
		if seen[t.Name] {
			errs = append(errs, field.Duplicate(tp.Child("name"), t.Name))
		}
		seen[t.Name] = true
		for _, f := range []struct {
			name string
			v    v1alpha1.Quantity
		}{
			{"cpu", t.Max.CPU}, {"memory", t.Max.Memory}, {"storage", t.Max.Storage}, {"gpu", t.Max.GPU}, {"pods", t.Max.Pods}, {"loadBalancers", t.Max.LoadBalancers},
		} {
			_, qerrs := parseQuantity(tp.Child("max", f.name), f.v, true)
			errs = append(errs, qerrs...)
		}
		if t.MaxMonthlyBudget != "" && !reMoney.MatchString(t.MaxMonthlyBudget) {
			errs = append(errs, field.Invalid(tp.Child("maxMonthlyBudget"), t.MaxMonthlyBudget, "must be a decimal amount with at most two fraction digits"))
		}
		errs = append(errs, validateLimitRangeQuantities(tp.Child("limitRange"), &t.LimitRange)...)
	}
	errs = append(errs, ValidateTagPolicy(in.TagPolicy)...)
	errs = append(errs, validateRegions(in.Regions)...)
	errs = append(errs, validatePolicySource(field.NewPath("policyFrom"), in.PolicyFrom)...)
	errs = append(errs, ValidateCostBasis(in.CostBasis)...)
	if l := in.Tenant.PodSecurity; l != "" && !slices.Contains(fnv1alpha1.PodSecurityLevels(), l) {
		errs = append(errs, field.NotSupported(field.NewPath("tenant", "podSecurity"), l, fnv1alpha1.PodSecurityLevels()))
	}
	for i, p := range in.Tenant.ReservedNamespaces {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			errs = append(errs, field.Invalid(field.NewPath("tenant", "reservedNamespaces").Index(i), p, "must be a namespace name or a shell pattern such as kube-*"))
		}
	}
	for i, ns := range in.Tenant.AllowIngressFrom {
		errs = append(errs, validateDNSLabel(field.NewPath("tenant", "allowIngressFrom").Index(i), ns, 63)...)
	}
	if tt := in.Tenant.Target; tt != "" && tt != fnv1alpha1.TenantTargetLocal && tt != fnv1alpha1.TenantTargetRemote {
		errs = append(errs, field.NotSupported(field.NewPath("tenant", "target"), tt, []fnv1alpha1.TenantTarget{fnv1alpha1.TenantTargetLocal, fnv1alpha1.TenantTargetRemote}))
	}
	return errs
}

// TenantNamespace is the name of the tenant namespace of xr: the claim's
// namespace and name joined, or the composite's name when it has no claim.
// Names longer than 63 characters are cut and suffixed with a hash, so the
// name is always a valid, stable DNS label.
func TenantNamespace(xr *v1alpha1.XCloudSpace) string {
	l := xr.GetLabels()
	name := xr.GetName()
	if cn, cns := l[LabelClaimName], l[LabelClaimNamespace]; cn != "" && cns != "" {
		name = cns + "-" + cn
	}
	return boundName(name, 63)
}

// boundName returns name if it fits in n characters, otherwise a prefix of
// it and a hash of the whole name.
func boundName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(name[:n-9], "-") + "-" + h
}

// Labels are the cost labels of every tenant Kubernetes object.
func (s *Space) Labels() map[string]string {
	return map[string]string{
		LabelSpace:       s.Name,
		LabelTeam:        s.Spec.Team,
		LabelEnvironment: string(s.Spec.Environment),
		LabelTier:        string(s.Spec.Tier),
		LabelCostCenter:  s.Spec.CostCenter,
	}
}

// crossplaneSpecFields are the fields Crossplane adds to the spec of a
// composite of scope LegacyCluster.
var crossplaneSpecFields = []string{
	"claimRef", "compositionRef", "compositionRevisionRef", "compositionRevisionSelector",
	"compositionSelector", "compositionUpdatePolicy", "resourceRefs", "writeConnectionSecretToRef",
}

// UnknownSpecFields refuses the fields of the composite's spec that the
// XRD does not have. The API server prunes them; a composite that never
// went through it (crossplane render, an older XRD) may hold them, and a
// field silently ignored is a rule its author thinks holds.
func UnknownSpecFields(spec *structpb.Struct) field.ErrorList {
	unknown, err := xfn.UnknownFields(spec, &v1alpha1.XCloudSpaceSpec{}, crossplaneSpecFields...)
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	errs := make(field.ErrorList, 0, len(unknown))
	for _, f := range unknown {
		errs = append(errs, field.Forbidden(field.NewPath("spec").Child(f), "unknown field: the XRD's schema has no such field"))
	}
	return errs
}

// zonesOf returns the letters of the first n zones of region: from the
// catalog when the platform keeps one, which must list the region and
// enough of its zones; a, b, c and on when it keeps none.
func zonesOf(p *field.Path, catalog []fnv1alpha1.RegionSpec, region string, n int) ([]string, field.ErrorList) {
	if n < 1 || n > maxZones {
		return nil, nil // validateNetwork refuses the count.
	}
	if len(catalog) == 0 {
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a' + i))
		}
		return out, nil
	}
	names := make([]string, 0, len(catalog))
	for _, r := range catalog {
		if r.Name != region {
			names = append(names, r.Name)
			continue
		}
		if n > len(r.Zones) {
			return nil, field.ErrorList{field.Invalid(p.Child("network", "availabilityZones"), n,
				fmt.Sprintf("must be at most %d: the platform's region catalog has %d zones of %s (%s)", len(r.Zones), len(r.Zones), region, strings.Join(r.Zones, ", ")))}
		}
		return slices.Clone(r.Zones[:n]), nil
	}
	if len(region) > maxRegionLength || !reRegion.MatchString(region) {
		return nil, nil // Refused as a region already.
	}
	slices.Sort(names)
	return nil, field.ErrorList{field.NotSupported(p.Child("region"), region, names)}
}

// validateRegions checks the region catalog of the function input.
func validateRegions(rs []fnv1alpha1.RegionSpec) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("regions")
	seen := map[string]bool{}
	for i, r := range rs {
		rp := p.Index(i)
		if !reRegion.MatchString(r.Name) {
			errs = append(errs, field.Invalid(rp.Child("name"), r.Name, "must be an AWS region such as eu-west-1"))
		}
		if seen[r.Name] {
			errs = append(errs, field.Duplicate(rp.Child("name"), r.Name))
		}
		seen[r.Name] = true
		if len(r.Zones) == 0 || len(r.Zones) > maxZones {
			errs = append(errs, field.Invalid(rp.Child("zones"), len(r.Zones), fmt.Sprintf("must list from 1 to %d zones", maxZones)))
		}
		zs := map[string]bool{}
		for j, z := range r.Zones {
			if len(z) != 1 || z[0] < 'a' || z[0] > 'z' {
				errs = append(errs, field.Invalid(rp.Child("zones").Index(j), z, "must be a zone's letter, a to z"))
			}
			if zs[z] {
				errs = append(errs, field.Duplicate(rp.Child("zones").Index(j), z))
			}
			zs[z] = true
		}
	}
	return errs
}
