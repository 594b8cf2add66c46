"""A strategic merge patch applier for the subset `kubectl shm set` sends.

Written from the semantics of k8s.io/apimachinery/pkg/util/strategicpatch
(maps merge, lists of maps merge by their merge key, `$patch: delete` drops an
item, `$retainKeys` clears the keys it does not list, null deletes a key), with
the merge keys of k8s.io/api/core/v1/types.go. Tests apply the patch a plan
sends to the object it was planned from and compare with the plan's own
result, so the live patch and the --local output cannot drift apart.
"""

import copy

MERGE_KEYS = {
    "volumes": "name",
    "containers": "name",
    "initContainers": "name",
    "volumeMounts": "mountPath",
}


def apply(original, patch):
    result = copy.deepcopy(original)
    _merge_map(result, patch)
    return result


def _merge_map(target, patch):
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            target.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list):
            merged = _merge_list(target.get(key) or [], value, MERGE_KEYS[key])
            if merged:
                target[key] = merged
            else:
                target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_map(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    if retain is not None:
        for key in list(target):
            if key not in retain:
                del target[key]


def _merge_list(items, patch_items, merge_key):
    items = list(items)
    for patch_item in patch_items:
        key = patch_item[merge_key]
        index = next((i for i, item in enumerate(items) if item.get(merge_key) == key), None)
        if patch_item.get("$patch") == "delete":
            if index is not None:
                del items[index]
        elif index is None:
            fresh = {}
            _merge_map(fresh, patch_item)
            items.append(fresh)
        else:
            _merge_map(items[index], patch_item)
    return items
