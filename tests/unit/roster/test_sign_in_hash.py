from roster.domain.sign_in import code_hash, keyed_hash, same_hash

KEY = b"k" * 32


def test_a_code_is_bound_to_its_sign_in() -> None:
    assert code_hash(KEY, "s-1", "123456") != code_hash(KEY, "s-2", "123456")
    assert same_hash(code_hash(KEY, "s-1", "123456"), code_hash(KEY, "s-1", "123456"))


def test_the_key_matters_and_nothing_matches_a_missing_hash() -> None:
    assert keyed_hash(KEY, "x") != keyed_hash(b"j" * 32, "x")
    assert not same_hash(None, keyed_hash(KEY, "x"))
    assert not same_hash(keyed_hash(KEY, "y"), keyed_hash(KEY, "x"))
