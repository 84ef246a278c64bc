"""Property-based tests of the check keys: SIRET (Luhn and La Poste), UAI letter, NIR key."""

from hypothesis import assume, given
from hypothesis import strategies as st

from rules import nir
from rules.identifiers import (
    LA_POSTE_SIREN,
    UAI_LETTERS,
    luhn_complete,
    luhn_is_valid,
    siret_is_valid,
    uai_check_letter,
    uai_complete,
    uai_is_valid,
)

digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


@given(digits)
def test_a_completed_siret_is_valid(partial):
    siret = luhn_complete(partial)
    assert len(siret) == 14 and siret_is_valid(siret)


@given(digits, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=9))
def test_luhn_catches_every_single_digit_error(partial, position, delta):
    siret = luhn_complete(partial)
    wrong = siret[:position] + str((int(siret[position]) + delta) % 10) + siret[position + 1 :]
    assert not luhn_is_valid(wrong)


@given(digits, st.integers(min_value=0, max_value=12))
def test_luhn_catches_adjacent_swaps_except_09(partial, position):
    siret = luhn_complete(partial)
    a, b = siret[position], siret[position + 1]
    assume(a != b and {a, b} != {"0", "9"})
    swapped = siret[:position] + b + a + siret[position + 2 :]
    assert not luhn_is_valid(swapped)


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_la_poste_sirets_follow_the_sum_of_digits_rule(nic):
    siret = LA_POSTE_SIREN + nic
    expected = luhn_is_valid(siret) or sum(map(int, siret)) % 5 == 0
    assert siret_is_valid(siret) is expected


@given(st.integers(min_value=0, max_value=9_999_999))
def test_uai_round_trip(number):
    seven = f"{number:07d}"
    uai = uai_complete(seven)
    assert uai_is_valid(uai) and uai_is_valid(uai.lower())
    assert all(not uai_is_valid(seven + letter) for letter in UAI_LETTERS if letter != uai_check_letter(seven))


def test_uai_known_values():
    assert uai_is_valid("0010856A") and not uai_is_valid("0010856B")


nir_bodies = st.builds(
    lambda sex, year, month, dep, rest: f"{sex}{year:02d}{month:02d}{dep}{rest}",
    st.sampled_from("12"),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=1, max_value=12),
    st.sampled_from(["01", "13", "2A", "2B", "59", "75", "95", "99", "971", "974", "976"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
).map(lambda body: body[:13])


@given(nir_bodies)
def test_a_completed_nir_is_valid(body):
    full = nir.complete(body)
    assert len(full) == 15 and nir.is_valid(full) and nir.is_valid(body)
    assert 1 <= int(full[13:]) <= 97


@given(nir_bodies, st.integers(min_value=1, max_value=96))
def test_any_other_nir_key_is_refused(body, shift):
    key = nir.key_of(body)
    wrong = (key - 1 + shift) % 97 + 1
    assert not nir.is_valid(f"{body}{wrong:02d}")


corsica_bodies = st.builds(
    lambda sex, year, month, dep, rest: f"{sex}{year:02d}{month:02d}{dep}{rest}",
    st.sampled_from("12"),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=1, max_value=12),
    st.sampled_from(["2A", "2B"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)


@given(corsica_bodies)
def test_the_nir_key_reads_corsica_as_19_and_18(body):
    numeric = body[:5] + {"2A": "19", "2B": "18"}[body[5:7]] + body[7:]
    assert nir.key_of(body) == 97 - int(numeric) % 97
