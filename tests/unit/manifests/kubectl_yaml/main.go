// Command kubectl-yaml prints the documents kubectl reads from a manifest file, as JSON:
// {"documents": [...]} on success, {"error": "..."} and exit status 1 when kubectl would refuse it.
//
// It reads the way `kubectl apply -f FILE` does, step by step:
//   - a byte order mark switches to UTF-16 (BE or LE) or is dropped (UTF-8); invalid UTF-8 becomes
//     U+FFFD (k8s.io/cli-runtime/pkg/resource/visitor.go, FileVisitor.Visit);
//   - a stream whose first non-space character is "{" is read as JSON values, else as YAML
//     documents split at "---" lines, each converted to JSON by sigs.k8s.io/yaml
//     (k8s.io/apimachinery/pkg/util/yaml, NewYAMLOrJSONDecoder);
//   - empty and null documents are skipped (visitor.go, StreamVisitor.Visit).
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
)

type result struct {
	Documents []json.RawMessage `json:"documents,omitempty"`
	Error     string            `json:"error,omitempty"`
}

func main() {
	var input io.Reader = os.Stdin
	if len(os.Args) > 1 && os.Args[1] != "-" {
		file, err := os.Open(os.Args[1])
		if err != nil {
			finish(result{Error: err.Error()})
		}
		defer file.Close()
		input = file
	}
	reader := transform.NewReader(input, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	decoder := yaml.NewYAMLOrJSONDecoder(reader, 4096)
	documents := []json.RawMessage{}
	for {
		extension := runtime.RawExtension{}
		if err := decoder.Decode(&extension); err != nil {
			if err == io.EOF {
				break
			}
			finish(result{Error: err.Error()})
		}
		raw := bytes.TrimSpace(extension.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		documents = append(documents, raw)
	}
	finish(result{Documents: documents})
}

func finish(outcome result) {
	out, err := json.Marshal(outcome)
	if err != nil {
		out, _ = json.Marshal(result{Error: "cannot print as JSON: " + err.Error()})
		outcome.Error = "unprintable"
	}
	os.Stdout.Write(append(out, '\n'))
	if outcome.Error != "" {
		os.Exit(1)
	}
	os.Exit(0)
}
