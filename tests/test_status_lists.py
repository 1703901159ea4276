"""Status list allocation (W3C Bitstring Status List v1.0): every certificate gets an index no
other certificate of that list has, in an order that says nothing about issue order, and a full
list gives way to a new one instead of looping for ever."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from rcep_origin.certificates.status_list import IndexPermutation, StatusListError
from rcep_origin.store.database import Database
from rcep_origin.store.sql import SqlRegistry


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(min_value=1, max_value=3000), secret=st.binary(min_size=16, max_size=64)
)
def test_the_permutation_hands_out_every_index_of_the_list_exactly_once(
    capacity: int, secret: bytes
) -> None:
    permutation = IndexPermutation(secret, capacity)
    assert sorted(permutation.index(n) for n in range(capacity)) == list(range(capacity))


def test_indexes_do_not_follow_issue_order_and_differ_between_lists() -> None:
    first = [IndexPermutation(os.urandom(32), 131_072).index(n) for n in range(64)]
    second = [IndexPermutation(os.urandom(32), 131_072).index(n) for n in range(64)]
    assert first != sorted(first) and first != second


def test_a_position_outside_the_list_or_a_weak_secret_is_refused() -> None:
    with pytest.raises(StatusListError):
        IndexPermutation(os.urandom(32), 4).index(4)
    with pytest.raises(StatusListError):
        IndexPermutation(b"short", 4)


@pytest.fixture
def session(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'register.db'}")
    database.upgrade()
    with Session(database.engine) as opened:
        yield opened
    database.dispose()


def test_allocation_past_the_end_of_a_small_list_opens_the_next_one(session: Session) -> None:
    registry = SqlRegistry(session, status_capacity=4)
    handed = [registry.allocate_status("revocation") for _ in range(10)]
    assert [list_id for list_id, _ in handed] == ["revocation-1"] * 4 + ["revocation-2"] * 4 + [
        "revocation-3"
    ] * 2
    for list_id in ("revocation-1", "revocation-2"):
        assert sorted(index for owner, index in handed if owner == list_id) == [0, 1, 2, 3]
    assert registry.allocate_status("suspension")[0] == "suspension-1"


def test_an_index_reserved_before_lists_could_grow_is_never_handed_out_again(
    session: Session,
) -> None:
    from rcep_origin.store import schema

    # A list from schema 0001: random indexes reserved, no secret, no capacity.
    session.add(schema.StatusListRow(list_id="revocation-1", bits=bytes(16384), allocated=0))
    reserved = set(range(0, 131_072, 2))
    session.add_all(schema.StatusIndex(list_id="revocation-1", index=i) for i in reserved)
    session.flush()
    registry = SqlRegistry(session)
    handed = {registry.allocate_status("revocation")[1] for _ in range(200)}
    assert len(handed) == 200 and not handed & reserved
