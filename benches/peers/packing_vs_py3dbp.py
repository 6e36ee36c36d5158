"""Container loading: the engine's `load_container` against pip's `py3dbp`
on the same Bischoff–Ratcliff instances (BR1–BR7, OR-Library `thpack1–7`).

Both load the container with every rotation allowed (py3dbp knows no
orientation rules), and both are given every box of the instance. The
script reports per class the mean share of container volume loaded and the
median time per instance, for the first `--per-class` problems of each
class (py3dbp is pure Python and takes seconds per instance). The engine's
loads are checked with `validate_load`.

    python benches/peers/packing_vs_py3dbp.py [--data ../shared/data/packing] [--per-class 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal
from typing import Any, Iterator, List, Tuple

from oms_engine import Container, ItemType, load_container, validate_load

Problem = Tuple[Tuple[int, int, int], List[Tuple[int, int, int, int]]]


def problems(path: str) -> Iterator[Problem]:
    words = iter(open(path).read().split())
    count = int(next(words))
    for _ in range(count):
        next(words), next(words)  # number, seed
        container = (int(next(words)), int(next(words)), int(next(words)))
        boxes = []
        for _ in range(int(next(words))):
            _i, d1, _f1, d2, _f2, d3, _f3, q = (int(next(words)) for _ in range(8))
            boxes.append((d1, d2, d3, q))
        yield container, boxes


def with_py3dbp(container: Tuple[int, int, int], boxes: List[Tuple[int, int, int, int]]) -> float:
    from py3dbp import Bin, Item, Packer  # type: ignore[import-untyped]

    packer: Any = Packer()
    packer.add_bin(Bin("c", container[0], container[2], container[1], 10**9))
    n = 0
    for d1, d2, d3, q in boxes:
        for _ in range(q):
            packer.add_item(Item(f"b{n}", d1, d3, d2, 1))
            n += 1
    packer.pack(bigger_first=True, number_of_decimals=0)
    loaded = sum(Decimal(i.width) * Decimal(i.height) * Decimal(i.depth) for i in packer.bins[0].items)
    return float(loaded) / (container[0] * container[1] * container[2])


def with_engine(container: Tuple[int, int, int], boxes: List[Tuple[int, int, int, int]]) -> float:
    c: Container = {"dims": {"length": container[0], "width": container[1], "height": container[2]}}
    items: List[ItemType] = [
        {"dims": {"length": d1, "width": d2, "height": d3}, "quantity": q, "orientation": "any"}
        for d1, d2, d3, q in boxes
    ]
    load = load_container(c, items)
    validate_load(c, items, load["placed"])
    return load["volume"] / (container[0] * container[1] * container[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", default="../shared/data/packing")
    parser.add_argument("--per-class", type=int, default=10)
    args = parser.parse_args()
    print("class  n   py3dbp %  (median s)   engine %  (median ms)")
    totals: dict[str, List[float]] = {"py3dbp": [], "engine": []}
    for k in range(1, 8):
        rows = list(problems(f"{args.data}/br_orlib/thpack{k}.txt"))[: args.per_class]
        use: dict[str, List[float]] = {"py3dbp": [], "engine": []}
        secs: dict[str, List[float]] = {"py3dbp": [], "engine": []}
        for container, boxes in rows:
            for name, run in (("py3dbp", with_py3dbp), ("engine", with_engine)):
                t = time.perf_counter()
                use[name].append(100 * run(container, boxes))
                secs[name].append(time.perf_counter() - t)
        for name in totals:
            totals[name].extend(use[name])
        print(
            f"BR{k}  {len(rows):>3}  {statistics.mean(use['py3dbp']):>8.2f}  ({statistics.median(secs['py3dbp']):.2f})"
            f"      {statistics.mean(use['engine']):>8.2f}  ({1e3 * statistics.median(secs['engine']):.2f})"
        )
    print(f"BR1-7     {statistics.mean(totals['py3dbp']):>8.2f}               {statistics.mean(totals['engine']):>8.2f}")


if __name__ == "__main__":
    main()
