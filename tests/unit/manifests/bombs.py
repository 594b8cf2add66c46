"""YAML alias bombs: a few hundred bytes that expand past any memory when copied."""

BOMB = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n"
    '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"  {b}: &{b} [{','.join([f'*{a}'] * 9)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
)
MERGE_BOMB = "a: &a {x0: 1, x1: 1, x2: 1, x3: 1}\n" + "".join(
    f"{b}: &{b} {{{', '.join(f'k{i}: *{a}' for i in range(10))}}}\n"
    for a, b in zip("abcdefg", "bcdefgh", strict=True)
)
