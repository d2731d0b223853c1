"""The demo's self-help guides (deploy/demo/guides.py) are what the cases service accepts, written whole in
English, Spanish and Swedish, over the demo models, and cover the problems the demo promises (F-16)."""

from pathlib import Path

from cases.selfhelp.content import LANGUAGES, GuideDefinition, checked, fits_model, parse_error_code
from deploy.demo.data import PRODUCTS
from deploy.demo.guides import GUIDES
from shared.events.vocabulary import ErrorCodeFamily


def test_every_demo_guide_is_accepted_and_written_in_the_three_languages():
    assert len(GUIDES) >= 8 and len({g["key"] for g in GUIDES}) == len(GUIDES)
    for guide in GUIDES:
        definition = checked(GuideDefinition.model_validate(guide["definition"]))
        texts = [definition["title"], definition["keywords"], *(step["text"] for step in definition["steps"])]
        assert all(set(text) == set(LANGUAGES) and all(text.values()) for text in texts), guide["key"]
        assert any(fits_model(definition, product.model) for product in PRODUCTS), guide["key"]


def family_of(text: str) -> ErrorCodeFamily:
    code = parse_error_code(text)
    assert code is not None, text
    return code.family


def test_the_demo_covers_jams_print_quality_toner_scanning_offline_noise_and_service_calls():
    by_key = {g["key"]: g["definition"] for g in GUIDES}
    families = {key: {family_of(c) for c in d["error_codes"]} for key, d in by_key.items()}
    assert by_key["paper-jam"]["category"] == "paper_jam" and families["paper-jam"] == {ErrorCodeFamily.JAM}
    assert by_key["streaks-faded-print"]["category"] == "print_quality"
    assert families["replace-toner"] == {ErrorCodeFamily.CONSUMABLE}
    assert by_key["scan-to-email"]["category"] == "network_scanning"
    assert (
        by_key["device-offline"]["category"] == "device_offline"
        and len(by_key["device-offline"]["steps"]) >= 3
    )
    assert by_key["unusual-noise"]["category"] == "noise_damage"
    assert families["service-call"] == {ErrorCodeFamily.SERVICE_CALL}


def test_every_picture_a_demo_guide_names_is_served_by_the_portal():
    images = Path(__file__).resolve().parents[1] / "services" / "gateway" / "gateway" / "static" / "guides"
    named = [step["image"] for g in GUIDES for step in g["definition"]["steps"] if step.get("image")]
    assert named and all((images / name).is_file() for name in named)
