"""``reebloc list``: the valid ids of a data set (nodes, commodities, facilities, segments, payers).

Read from the data set's CSV tables (checked by :func:`reebloc.inputs.dataset.load_dataset`), so
every id printed is one a config may name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reebloc.inputs.dataset import load_dataset

WHAT = ("nodes", "commodities", "facilities", "segments", "payers")


def catalog(what: str, inputs: str | Path) -> pd.DataFrame:
    """One row per id with the columns that say what it is."""
    data = load_dataset(Path(inputs))
    if what == "nodes":
        return data["nodes"][["node", "name"]]
    if what == "commodities":
        return data["commodities"][["commodity", "stage", "name"]]
    if what == "facilities":
        return data["facilities"][["facility", "node", "process", "status", "start_year", "end_year", "owner"]]
    if what == "segments":
        d = data["demand"]
        return (d.groupby(["segment", "commodity"])["node"].agg(lambda s: " ".join(sorted(set(s))))
                .reset_index().rename(columns={"node": "nodes"}))
    if what == "payers":
        nodes = data["nodes"][["node", "name"]].rename(columns={"node": "payer"})
        return nodes.assign(name=nodes["name"] + " (government)")
    raise ValueError(what)


def listing(what: str, inputs: str | Path) -> str:
    df = catalog(what, inputs)
    text = df.to_string(index=False)
    if what == "payers":
        text += ("\n\nA payer is a node, or NODE_AGENCY (e.g. US_DoD) to name the agency: the node part decides "
                 "whose welfare the payment enters.")
    return text
