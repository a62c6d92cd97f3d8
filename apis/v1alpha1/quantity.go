package v1alpha1

import (
	"bytes"
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// Quantity is a Kubernetes resource quantity such as "500m", "8Gi" or 4,
// written as a string or a whole number. It is kept as written; the
// functions parse it, so that a malformed value is reported with its field.
type Quantity string

// UnmarshalJSON accepts a JSON string or number.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = Quantity(s)
		return nil
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return err
	}
	*q = Quantity(n.String())
	return nil
}

// String returns the quantity as written.
func (q Quantity) String() string { return string(q) }

// JSONSchema is the int-or-string schema Kubernetes uses for quantities.
func (Quantity) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		AnyOf:   []*jsonschema.Schema{{Type: "integer"}, {Type: "string"}},
		Pattern: PatternQuantity,
		Extras:  map[string]any{"x-kubernetes-int-or-string": true},
	}
}
