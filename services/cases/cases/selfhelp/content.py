"""What a guide says and how it is matched (F-16): its definition (category, models, error codes, and a small
graph of steps written in English, Spanish and Swedish), the checks a definition passes before it is stored, the
text of a step in the reader's language, and the error codes a device shows.

A step is an instruction answered "solved" or "not solved"; each answer leads to a later step, to "solved" (the
run ends, nothing is created) or to "case" (the case form opens with the steps tried). Leading only forward keeps
every run finite."""

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cases.case.routing import INCIDENT_CATEGORIES
from shared.errors import field_error
from shared.events.vocabulary import ErrorCodeFamily, GuideAnswer

Language = Literal["en", "es", "sv"]
LANGUAGES: tuple[Language, ...] = ("en", "es", "sv")
DEFAULT_LANGUAGE: Language = "en"
SOLVED, CASE = "solved", "case"
MEANINGFUL = 4  # letters of a word worth suggesting a guide for ("en", "la", "the" are not)
StepKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,20}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Instruction = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Keywords = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CodeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
# A picture of a step: a file of the portal's own guide images (the gateway serves them under /static/guides/).
ImageName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,60}\.(svg|png|jpg)$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepDefinition(Strict):
    key: StepKey
    text: dict[Language, Instruction] = Field(
        description="the instruction in each language; English required"
    )
    solved: str = Field(SOLVED, max_length=20, description='"solved", or the key of a later step')
    not_solved: str = Field(CASE, max_length=20, description='"case", or the key of a later step')
    image: ImageName | None = Field(
        None, description="a picture of the step, one of the portal's guide images"
    )


class GuideDefinition(Strict):
    category: str = Field(max_length=40, description="an incident category (cases.case.routing)")
    models: list[ModelName] = Field(
        default_factory=list,
        max_length=30,
        description="the models (a full model name) or families (the start of their names, e.g. "
        "`imageRUNNER ADVANCE DX`) the guide is for; none: every model",
    )
    error_codes: list[CodeText] = Field(
        default_factory=list, max_length=30, description="codes the device shows, e.g. J1104, C0019, E602"
    )
    title: dict[Language, Title] = Field(description="in each language; English required")
    keywords: dict[Language, Keywords] = Field(
        default_factory=dict, description="more words to find it by, per language"
    )
    steps: list[StepDefinition] = Field(min_length=1, max_length=20)


def checked(definition: GuideDefinition, field: str = "definition") -> dict[str, Any]:
    """The definition as stored (error codes in their canonical form), or a 422 naming the field at fault."""
    if definition.category not in INCIDENT_CATEGORIES:
        raise field_error(
            f"{field}.category",
            f"must be one of {', '.join(INCIDENT_CATEGORIES)}",
            field_code="not_a_choice",
        )
    if not definition.title.get(DEFAULT_LANGUAGE):
        raise field_error(f"{field}.title.en", "English is required", field_code="required")
    codes = []
    for index, text in enumerate(definition.error_codes):
        code = parse_error_code(text)
        if code is None:
            raise unknown_code(f"{field}.error_codes.{index}")
        codes.append(code.canonical)
    check_steps(definition.steps, field)
    stored = definition.model_dump(mode="json")
    stored["error_codes"] = list(dict.fromkeys(codes))
    return stored


def check_steps(steps: list[StepDefinition], field: str) -> None:
    keys = [step.key for step in steps]
    for index, step in enumerate(steps):
        where = f"{field}.steps.{index}"
        if keys.index(step.key) != index:
            raise field_error(f"{where}.key", "is used by an earlier step", field_code="duplicate_step")
        if not step.text.get(DEFAULT_LANGUAGE):
            raise field_error(f"{where}.text.en", "English is required", field_code="required")
        for answer, end in (("solved", SOLVED), ("not_solved", CASE)):
            target = getattr(step, answer)
            if target != end and target not in keys[index + 1 :]:
                raise field_error(
                    f"{where}.{answer}",
                    f'must be "{end}" or the key of a later step',
                    field_code="not_a_later_step",
                    end=end,
                )


def step_of(definition: dict[str, Any], key: str | None) -> dict[str, Any] | None:
    return next((step for step in definition["steps"] if step["key"] == key), None)


def next_of(definition: dict[str, Any], key: str, answer: GuideAnswer) -> str:
    """Where an answer to a step leads: a step's key, SOLVED or CASE."""
    step = step_of(definition, key) or {}
    return str(step.get("solved" if answer == GuideAnswer.SOLVED else "not_solved") or CASE)


def in_language(texts: dict[str, str], language: str) -> tuple[str, bool]:
    """The text in the reader's language, else in English: (text, whether it is the English fallback)."""
    if texts.get(language):
        return texts[language], False
    return texts.get(DEFAULT_LANGUAGE, ""), language != DEFAULT_LANGUAGE


def folded(text: str) -> str:
    """Lower case without accents: "Atascó" finds "atasco"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_found(definition: dict[str, Any], words: str, language: str, every: bool = True) -> int:
    """How many words of the search are in the guide's title, keywords or steps, in the reader's language or
    English; 0 unless every word is (`every`), or else unless one of the words of four letters or more is."""
    wanted = list(dict.fromkeys(folded(words).split()))
    if not every:
        wanted = [word for word in wanted if len(word) >= MEANINGFUL]
    if not wanted:
        return 0
    texts = []
    for lang in dict.fromkeys((language, DEFAULT_LANGUAGE)):
        texts += [definition["title"].get(lang, ""), definition.get("keywords", {}).get(lang, "")]
        texts += [step["text"].get(lang, "") for step in definition["steps"]]
    haystack = folded(" ".join(texts))
    found = sum(1 for word in wanted if word in haystack)
    return found if (found == len(wanted) or not every) else 0


def fits_model(definition: dict[str, Any], model: str) -> bool:
    """A guide for no model in particular fits every model; else the model's name starts with one it names."""
    models = definition.get("models") or []
    return not models or any(folded(model).startswith(folded(name)) for name in models)


# Error codes ----------------------------------------------------------------------------------------------

FAMILY_BY_LETTER = {
    "J": ErrorCodeFamily.JAM,
    "C": ErrorCodeFamily.CONSUMABLE,
    "E": ErrorCodeFamily.SERVICE_CALL,
}
CODE = re.compile(r"^\s*([A-Za-z])\s*-?\s*(\d{1,6})(?:\s*-\s*\d{1,4})?\s*$")


@dataclass(frozen=True)
class ErrorCode:
    """A code as the device shows it, reduced to what identifies it: its family and its number (a detail after a
    dash, as in E602-0001, does not change what the code means for self-help)."""

    family: ErrorCodeFamily
    number: int

    @property
    def canonical(self) -> str:
        letter = next(k for k, v in FAMILY_BY_LETTER.items() if v == self.family)
        return f"{letter}{self.number:04d}"


def parse_error_code(text: str | None) -> ErrorCode | None:
    """J1104, j-01104 and "J 1104" are the same jam code; None when it is no code of a known family."""
    found = CODE.match(text or "")
    if not found or found.group(1).upper() not in FAMILY_BY_LETTER:
        return None
    return ErrorCode(FAMILY_BY_LETTER[found.group(1).upper()], int(found.group(2)))


def unknown_code(field: str) -> Exception:
    return field_error(
        field,
        "must be a code as the device shows it: J (paper jam), C (consumable) or E (service call) and its number",
        field_code="unknown_error_code",
    )
