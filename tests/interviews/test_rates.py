"""AAPOR rates on an example worked out by hand."""

from __future__ import annotations

import pytest

from appliance.interviews import rates

# I=40 P=10 R=20 NC=15 O=5 UH=30 UO=10 NE=20
EXAMPLE = {"I": 40, "P": 10, "R": 20, "NC": 15, "O": 5, "UH": 30, "UO": 10, "NE": 20}


def test_the_seven_rates_of_a_hand_worked_example():
    # I+P = 50, R+NC+O = 40, UH+UO = 40; all cases of (possibly) eligible units = 130.
    # e (proportional) = (I+P+R+NC+O) / (I+P+R+NC+O+NE) = 90 / 110 = 9/11.
    # RR3 denominator = 50 + 40 + (9/11) * 40 = 90 + 360/11 = 1350/11.
    r = rates.rates(EXAMPLE)
    assert r.e == pytest.approx(9 / 11)
    assert not r.e_fixed
    assert r.rr1 == pytest.approx(40 / 130)
    assert r.rr2 == pytest.approx(50 / 130)
    assert r.rr3 == pytest.approx(40 * 11 / 1350)  # 44/135 = 0.3259...
    assert r.rr4 == pytest.approx(50 * 11 / 1350)  # 11/27 = 0.4074...
    assert r.coop1 == pytest.approx(40 / (50 + 20 + 5))  # 8/15
    assert r.ref1 == pytest.approx(20 / 130)  # 2/13
    assert r.con1 == pytest.approx((50 + 20 + 5) / (50 + 20 + 5 + 15 + 40))  # 15/26


def test_a_fixed_e_chosen_by_staff_changes_rr3_and_rr4_only():
    # e = 0.5: RR3 = 40 / (90 + 20) = 4/11, RR4 = 50 / 110 = 5/11.
    r = rates.rates(EXAMPLE, fixed_e=0.5)
    assert (r.e, r.e_fixed) == (0.5, True)
    assert r.rr3 == pytest.approx(4 / 11)
    assert r.rr4 == pytest.approx(5 / 11)
    assert r.rr1 == pytest.approx(40 / 130)


def test_zero_denominators_are_undefined_not_zero():
    nothing = dict.fromkeys(rates.GROUPS, 0)
    assert all(value is None for _, value in rates.rates(nothing).named())
    # Only cases of unknown eligibility: e cannot be estimated, so RR3/RR4 are undefined,
    # while RR1 is a true 0.
    unknown = {**nothing, "UO": 7}
    r = rates.rates(unknown)
    assert (r.e, r.rr3, r.rr4, r.rr1, r.coop1) == (None, None, None, 0.0, None)


def test_codes_are_summed_in_their_aapor_groups_and_pooled_over_modes():
    phone = rates.groups_of(
        "phone",
        {"complete": 3, "partial": 1, "refusal": 2, "break_off": 1, "appointment": 4,
         "language": 1, "not_attempted": 5, "busy": 1, "wrong_number": 2},
    )  # fmt: skip
    assert phone == {"I": 3, "P": 1, "R": 3, "NC": 4, "O": 1, "UH": 6, "UO": 0, "NE": 2}
    email = rates.groups_of("email", {"complete": 10, "nothing_returned": 20, "returned": 2})
    assert email["UO"] == 22
    assert rates.pooled([phone, email])["I"] == 13
    with pytest.raises(KeyError):
        rates.groups_of("post", {"returned": 1})
