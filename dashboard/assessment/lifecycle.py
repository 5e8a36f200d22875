"""A case's status follows from which life-cycle times are set; one definition for every writer."""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUSES = ("open", "responded", "resolved", "closed")


def case_status(responded_at: pd.Series, resolved_at: pd.Series, callback_at: pd.Series) -> pd.Series:
    """open (no contact yet) -> responded -> resolved (awaiting callback) -> closed (called back)."""
    status = np.select(
        [callback_at.notna(), resolved_at.notna(), responded_at.notna()],
        ["closed", "resolved", "responded"],
        default="open",
    )
    return pd.Series(status, index=responded_at.index, dtype=object)
