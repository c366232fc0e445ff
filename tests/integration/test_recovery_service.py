"""The recovery services on each database: new compartment key versions join the recovery key."""

from datetime import timedelta
from pathlib import Path

import pytest

from conftest import FAST_KDF, PASSPHRASE
from vigil.bootstrap import Settings, Vigil
from vigil.crypto.keyring import PassphraseKeyring
from vigil.services import accounts, instance
from vigil.services.ports import KeyWrap
from vigil.services.recovery import (
    RECOVERY_HOLDER,
    RecoveryFailed,
    read_wraps_document,
    wrap_for_recovery,
)
from vigil.storage.engine import migrate

NEW = "a brand new passphrase"


def new_compartment(vigil: Vigil, name: str) -> bytes:
    """What key rotation or a new compartment does: a key version wrapped to its members."""
    assert vigil.session is not None
    key = vigil.user_keys.new_data_key()
    with vigil.store.transaction():
        vigil.store.save_compartment(name, 1)
        admin = vigil.session.user
        vigil.store.add_wrap(
            KeyWrap(name, 1, admin.name, vigil.user_keys.wrap_for(admin.public_key, key))
        )
        wrap_for_recovery(vigil.store, vigil.user_keys, name, 1, key)
    return key


def test_nothing_is_wrapped_before_a_split(vigil: Vigil) -> None:
    assert not wrap_for_recovery(vigil.store, vigil.user_keys, "hotline", 1, bytes(32))
    assert vigil.store.wraps_for(RECOVERY_HOLDER) == []


def test_a_key_version_made_after_the_split_is_restored(vigil: Vigil) -> None:
    split = vigil.split_recovery(2, 3)
    key = new_compartment(vigil, "hotline")
    wrapped = [w.compartment for w in vigil.store.wraps_for(RECOVERY_HOLDER)]
    assert wrapped == ["default", "hotline", "instance"]
    restored = vigil.restore_user("admin", split.shares[1:], NEW)
    assert restored.compartments == ["default", "hotline", "instance"]
    assert restored.fingerprint == split.fingerprint
    with pytest.raises(accounts.SignInFailed):
        vigil.sign_in("admin", PASSPHRASE)
    later = vigil.workspace.clock() + timedelta(seconds=5)
    vigil.workspace.clock = lambda: later
    vigil.sign_in("admin", NEW)
    assert vigil.session is not None and vigil.session.keys["hotline"] == {1: key}


def test_a_wraps_file_of_another_split_is_refused(vigil: Vigil) -> None:
    first = vigil.split_recovery(2, 2)
    second = vigil.split_recovery(2, 2)
    with pytest.raises(RecoveryFailed, match="do not belong"):
        vigil.restore_user("admin", first.shares, NEW, read_wraps_document(second.wraps_document))
    with pytest.raises(RecoveryFailed, match="not a Vigil recovery wraps file"):
        read_wraps_document('{"format": "something else"}')


def test_an_unknown_user_is_refused(vigil: Vigil) -> None:
    split = vigil.split_recovery(2, 2)
    with pytest.raises(accounts.NotAllowed, match="no user 'nobody'"):
        vigil.restore_user("nobody", split.shares, NEW)


def test_a_second_shred_keeps_the_membership_of_users_not_yet_restored(vigil: Vigil) -> None:
    assert vigil.session is not None
    accounts.add_user(
        vigil.store,
        vigil.user_keys,
        vigil.session,
        "ruslan",
        "documenter",
        "ruslan's passphrase",
        ("default",),
        vigil.workspace.clock(),
    )
    split = vigil.split_recovery(2, 3)
    wraps = read_wraps_document(split.wraps_document)
    first = vigil.shred()
    # default and instance, each for admin, ruslan and the recovery key
    assert first.counts == {"compartment keys": 6, "private keys": 2, "TOTP secrets": 0}
    again = vigil.restore_user("admin", split.shares[:2], NEW, wraps)
    assert again.compartments == ["default", "instance"]
    vigil.shred()
    restored = vigil.restore_user("ruslan", split.shares[1:], NEW, wraps)
    assert restored.compartments == ["default", "instance"]
    assert restored.reinstalled_wraps


def test_shred_destroys_the_key_of_an_instance_from_before_accounts(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "legacy")
    settings.home.mkdir()
    old = Vigil(settings, FAST_KDF)
    try:
        migrate(old.engine)
        instance.initialise(old.store, PassphraseKeyring(FAST_KDF), PASSPHRASE)
        assert old.shred().counts["instance keys"] == 1
        assert old.store.read_setting(instance.KDF_SETTING) is None
        assert old.store.read_setting(instance.CHECK_SETTING) is None
    finally:
        old.close()
