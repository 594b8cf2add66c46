// Command quantity reports what k8s.io/apimachinery makes of resource quantities,
// so the test suite can hold kubectl_shm/model/quantity.py to it.
//
// Standard input: one JSON array. Each element is a string or a JSON number.
// Standard output: one JSON array, an object per element, in order:
//
//	{"parse": OUTCOME, "json": OUTCOME}
//
// "parse" is resource.ParseQuantity (and MustParse, its panicking twin) of the
// string, or of a number's literal text. "json" is what the API server decodes
// from a request body: the element as the field of an object, through
// sigs.k8s.io/json as the apimachinery JSON serializer calls it, which hands
// Quantity.UnmarshalJSON the raw literal. A string is first written by Go's
// encoding/json, as kubectl and the API server's patch code write it.
//
// OUTCOME is {"ok": true, "value": Value(), "string": String(), "exact": AsDec()}
// ("exact" is left out when its scale is past ±10000 digits) or
// {"ok": false, "error": "..."}; a panic is reported as an error that starts
// with "panic: ".
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/api/resource"
	kjson "sigs.k8s.io/json"
)

type outcome struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Value  *int64 `json:"value,omitempty"`
	String string `json:"string,omitempty"`
	Exact  string `json:"exact,omitempty"`
}

type report struct {
	Parse outcome `json:"parse"`
	JSON  outcome `json:"json"`
}

// exactScaleLimit keeps AsDec().String() from writing millions of zeros.
const exactScaleLimit = 10000

func main() {
	var inputs []json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, "quantity: stdin is not a JSON array:", err)
		os.Exit(2)
	}
	reports := make([]report, 0, len(inputs))
	for _, raw := range inputs {
		reports = append(reports, examine(raw))
	}
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(reports); err != nil {
		fmt.Fprintln(os.Stderr, "quantity:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "quantity:", err)
		os.Exit(1)
	}
}

func examine(raw json.RawMessage) report {
	text := string(raw)
	literal := []byte(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			failed := outcome{Error: "input: " + err.Error()}
			return report{Parse: failed, JSON: failed}
		}
		encoded, err := json.Marshal(text)
		if err != nil {
			failed := outcome{Error: "input: " + err.Error()}
			return report{Parse: failed, JSON: failed}
		}
		literal = encoded
	}
	return report{Parse: parse(text), JSON: decode(literal)}
}

func parse(text string) (result outcome) {
	defer recovered(&result)
	quantity, err := resource.ParseQuantity(text)
	if err != nil {
		return outcome{Error: err.Error()}
	}
	must := resource.MustParse(text)
	if must.Cmp(quantity) != 0 {
		return outcome{Error: "MustParse and ParseQuantity disagree"}
	}
	return describe(quantity)
}

func decode(literal []byte) (result outcome) {
	defer recovered(&result)
	var object struct {
		Q resource.Quantity `json:"q"`
	}
	document := append(append([]byte(`{"q":`), literal...), '}')
	if err := kjson.UnmarshalCaseSensitivePreserveInts(document, &object); err != nil {
		return outcome{Error: err.Error()}
	}
	return describe(object.Q)
}

func describe(quantity resource.Quantity) outcome {
	value := quantity.Value()
	result := outcome{OK: true, Value: &value, String: quantity.String()}
	copied := quantity.DeepCopy()
	if exact := copied.AsDec(); exact.Scale() >= -exactScaleLimit && exact.Scale() <= exactScaleLimit {
		result.Exact = exact.String()
	}
	return result
}

func recovered(result *outcome) {
	if caught := recover(); caught != nil {
		*result = outcome{Error: fmt.Sprint("panic: ", caught)}
	}
}
