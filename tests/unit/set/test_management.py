import pytest

from kubectl_shm.set.management import ARGO_CD, FLUX, HELM, management_warning, managers_of


def obj(labels=None, annotations=None, managers=()):
    return {
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "labels": labels or {},
            "annotations": annotations or {},
            "managedFields": [{"manager": m, "operation": "Apply"} for m in managers],
        },
    }


@pytest.mark.parametrize(
    ("workload", "tools"),
    [
        (
            obj(annotations={"argocd.argoproj.io/tracking-id": "app:apps/Deployment:ml/web"}),
            [ARGO_CD],
        ),
        (obj(labels={"argocd.argoproj.io/instance": "app"}), [ARGO_CD]),
        (obj(managers=["argocd-controller"]), [ARGO_CD]),
        (obj(labels={"kustomize.toolkit.fluxcd.io/name": "apps"}), [FLUX]),
        (obj(managers=["kustomize-controller"]), [FLUX]),
        (
            obj(
                labels={
                    "helm.toolkit.fluxcd.io/name": "web",
                    "app.kubernetes.io/managed-by": "Helm",
                }
            ),
            [FLUX, HELM],
        ),
        (obj(labels={"app.kubernetes.io/managed-by": "Helm"}), [HELM]),
        (obj(annotations={"meta.helm.sh/release-name": "web"}), [HELM]),
        (obj(managers=["helm"]), [HELM]),
        (
            obj(
                labels={"app.kubernetes.io/instance": "web"}, managers=["kubectl-client-side-apply"]
            ),
            [],
        ),
        ({"kind": "Deployment"}, []),
    ],
)
def test_managers(workload, tools):
    assert [m.tool for m in managers_of(workload)] == tools


def test_warning_names_who_reverts_and_points_to_local():
    message = management_warning(
        "deployment/web", managers_of(obj(managers=["argocd-controller", "helm"])), "2Gi"
    )
    assert message.startswith(
        "deployment/web is managed by Argo CD (field manager argocd-controller)"
    )
    assert "Argo CD will revert this live change at its next sync" in message
    assert "kubectl shm set -f FILE --local 2Gi -o yaml" in message
    helm = management_warning("deployment/web", managers_of(obj(managers=["helm"])), None)
    assert "the next `helm upgrade` will revert" in helm
    assert management_warning("deployment/web", [], "1Gi") is None
