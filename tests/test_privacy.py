from paytrace_abas.privacy import mask_pans, passes_luhn


def test_luhn() -> None:
    assert passes_luhn("4111111111111111")
    assert not passes_luhn("4111111111111112")


def test_mask_pans_masks_card_numbers_in_free_text_only() -> None:
    text = "paid with 4111 1111 1111 1111 for invoice 400123, order 512330107"
    assert mask_pans(text) == "paid with ************1111 for invoice 400123, order 512330107"


def test_mask_pans_leaves_long_non_luhn_numbers() -> None:
    assert mask_pans("ref 4111111111111112") == "ref 4111111111111112"


def test_mask_pans_masks_dashed_card_numbers() -> None:
    assert mask_pans("card 4111-1111-1111-1111.") == "card ************1111."


def test_mask_pans_leaves_dates_run_together_in_file_names() -> None:
    # 2026-11-25 + 20261206 is 16 digits passing Luhn, but grouped like a date, not a card
    name = "out/reconcile-2026-11-25-20261206T115352Z.xlsx"
    assert mask_pans(name) == name
