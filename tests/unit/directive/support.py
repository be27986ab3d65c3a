"""A small command tree for the domain tests: 2 ranges, 3 districts, circles and stations."""

from __future__ import annotations

from directive.domain.tree import Unit, UnitTree
from nazar_contracts.vocabulary import UnitKind

K = UnitKind


def _unit(uid: str, kind: UnitKind, parent: Unit | None, active: bool = True) -> Unit:
    path = (uid,) if parent is None else (*parent.path, uid)
    return Unit(uid, kind, None if parent is None else parent.id, path, active)


STATE = _unit("RJ", K.STATE, None)
R_BIKANER = _unit("RNG-BIKANER", K.RANGE, STATE)
R_JAIPUR_C = _unit("CP-JAIPUR", K.COMMISSIONERATE, STATE)
D_BIKANER = _unit("DST-BIKANER", K.DISTRICT, R_BIKANER)
D_CHURU = _unit("DST-CHURU", K.DISTRICT, R_BIKANER)
D_JAIPUR_E = _unit("DST-JAIPUR-EAST", K.DISTRICT, R_JAIPUR_C)
C_NOKHA = _unit("CIR-NOKHA", K.CIRCLE, D_BIKANER)
C_KOLAYAT = _unit("CIR-KOLAYAT", K.CIRCLE, D_BIKANER)
C_OLD = _unit("CIR-CLOSED", K.CIRCLE, D_BIKANER, active=False)
C_SARDARSHAHAR = _unit("CIR-SARDARSHAHAR", K.CIRCLE, D_CHURU)
C_ADARSH = _unit("CIR-ADARSH-NAGAR", K.CIRCLE, D_JAIPUR_E)
S_NOKHA = _unit("PS-NOKHA", K.POLICE_STATION, C_NOKHA)
S_JASRASAR = _unit("PS-JASRASAR", K.POLICE_STATION, C_NOKHA)
S_KOLAYAT = _unit("PS-KOLAYAT", K.POLICE_STATION, C_KOLAYAT)

UNITS = [
    STATE, R_BIKANER, R_JAIPUR_C, D_BIKANER, D_CHURU, D_JAIPUR_E, C_NOKHA, C_KOLAYAT, C_OLD,
    C_SARDARSHAHAR, C_ADARSH, S_NOKHA, S_JASRASAR, S_KOLAYAT,
]  # fmt: skip


def tree() -> UnitTree:
    return UnitTree(UNITS)
