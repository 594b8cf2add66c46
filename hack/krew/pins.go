//go:build tools

// Package pins makes the krew commands the package tests build part of the module graph,
// so go.sum pins every module they need.
package pins

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)
