//go:build tools

// Package pins makes the Kubernetes commands this cluster builds part of the module graph,
// so go.sum pins every module they need.
package pins

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
