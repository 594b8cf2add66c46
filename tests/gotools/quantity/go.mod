// What k8s.io/apimachinery makes of quantities: the reference the parity test
// of kubectl_shm/model/quantity.py runs (tests/gotools/build.py builds it).
// apimachinery v0.34.4 is the one Kubernetes v1.34.4 ships.
module kubectl-shm.test/gotools/quantity

go 1.24.0

require (
	k8s.io/apimachinery v0.34.4
	// The decoder of the API server's JSON serializer, at the version apimachinery v0.34.4 requires.
	sigs.k8s.io/json v0.0.0-20241014173422-cfa47c3a1cc8
)

require (
	github.com/fxamacker/cbor/v2 v2.9.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	gopkg.in/inf.v0 v0.9.1 // indirect
)
